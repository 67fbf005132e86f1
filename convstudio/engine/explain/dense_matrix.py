"""The convolution as an explicit matrix, for layers small enough to draw.

Rows are output values in (k, y, x) order and columns input values in (c, y, x) order,
the same C-order as Flatten, so matrix @ x.ravel() is the convolution of x.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import kernels
from ...errors import ResourceLimitError
from .sharing import DENSE_LIMIT, ConvConfig, SharingCounts, sharing_counts


@dataclass(frozen=True)
class SharingMatrix:
    config: ConvConfig
    index: np.ndarray  # (rows, cols) int32: flat index into the (K, C/groups, kh, kw) weight, −1 where zero

    def values(self, weight: np.ndarray) -> np.ndarray:
        """The dense matrix filled with `weight`'s numbers (float64, zeros off the pattern)."""
        flat = np.asarray(weight, dtype=np.float64).reshape(-1)
        return np.where(self.index >= 0, flat[np.maximum(self.index, 0)], 0.0)

    def counts(self) -> SharingCounts:
        """Counts read off the built matrix (they agree with `sharing_counts`)."""
        used = self.index[self.index >= 0]
        cfg = self.config
        kh, kw = cfg.kernel
        taps = np.bincount(used % (kh * kw), minlength=kh * kw).reshape(kh, kw)
        pairs = cfg.filters * (cfg.channels // cfg.groups)
        return SharingCounts(weights=pairs * kh * kw, distinct=int(np.unique(used).size), nonzeros=int(used.size),
                             dense=int(self.index.size), shape=self.index.shape, copies=taps // pairs)


def sharing_matrix(cfg: ConvConfig, limit: int = DENSE_LIMIT) -> SharingMatrix:
    """Build the index matrix; ResourceLimitError above `limit` entries (use `sharing_counts`)."""
    rows, cols = cfg.matrix_shape
    if rows * cols > limit:
        counts = sharing_counts(cfg)
        raise ResourceLimitError(f"the matrix would be {rows:,}×{cols:,} = {counts.dense:,} entries "
                                 f"(limit {limit:,}); showing the counts only")
    index = np.full((rows, cols), -1, dtype=np.int32)
    k, cg, kh, kw = cfg.weight_shape
    oh, ow = cfg.output
    kk = np.arange(k)[:, None, None, None]
    cl = np.arange(cg)[None, :, None, None]
    chan = (kk // (k // cfg.groups)) * cg + cl
    for i in range(kh):
        oy, y = _valid_taps(cfg, 0, i, oh)
        for j in range(kw):
            ox, x = _valid_taps(cfg, 1, j, ow)
            r = kk * oh * ow + oy[:, None] * ow + ox[None, :]
            c = chan * cfg.height * cfg.width + y[:, None] * cfg.width + x[None, :]
            index[r, c] = ((kk * cg + cl) * kh + i) * kw + j
    return SharingMatrix(cfg, index)


def _valid_taps(cfg: ConvConfig, axis: int, tap: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Output indices whose tap `tap` lands on a real pixel, and that pixel's index."""
    size = (cfg.height, cfg.width)[axis]
    pos = np.arange(out) * cfg.stride[axis] + tap * cfg.dilation[axis] - cfg.padding[axis][0]
    keep = (pos >= 0) & (pos < size)
    return np.arange(out)[keep], pos[keep]


def conv_difference(m: SharingMatrix, weight: np.ndarray, x: np.ndarray) -> float:
    """max |matrix @ x − conv2d(x)| for one C×H×W image: the matrix is the convolution."""
    cfg = m.config
    direct = kernels.conv2d(x[None].astype(np.float32), weight.astype(np.float32), stride=cfg.stride,
                            padding=cfg.padding, dilation=cfg.dilation, groups=cfg.groups)[0]
    product = m.values(weight) @ x.reshape(-1).astype(np.float64)
    return float(np.max(np.abs(product - direct.reshape(-1))))


def transpose_difference(m: SharingMatrix, weight: np.ndarray, y: np.ndarray) -> float:
    """max |matrixᵀ @ y − conv_transpose2d(y)| for one K×oh×ow map, with the same weight.

    The transposed convolution runs unpadded and is then cropped to the padded input's
    real region, which also covers asymmetric padding and never-covered rows.
    """
    cfg = m.config
    full = kernels.conv_transpose2d(y[None].astype(np.float32), weight.astype(np.float32), stride=cfg.stride,
                                    dilation=cfg.dilation, groups=cfg.groups)[0]
    (pt, pb), (pl, pr) = cfg.padding
    grid = np.zeros((cfg.channels, pt + cfg.height + pb, pl + cfg.width + pr), dtype=np.float64)
    grid[:, :full.shape[1], :full.shape[2]] = full
    direct = grid[:, pt:pt + cfg.height, pl:pl + cfg.width]
    product = m.values(weight).T @ y.reshape(-1).astype(np.float64)
    return float(np.max(np.abs(product - direct.reshape(-1))))
