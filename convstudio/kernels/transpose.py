"""Transposed 2-D convolution as matrix multiply + col2im.

Each input position's contribution (weightᵀ @ x) is computed for a tile of input rows
as one matrix product, then scattered into the output with one strided add per kernel
tap. This does exactly the work of the convolution it transposes, with no zero-stuffed
input.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convstudio.kernels import conv
from convstudio.kernels.args import check_cancel, check_image, floating, like, pair


def conv_transpose2d(
    x,
    weight,
    bias=None,
    stride=(1, 1),
    padding=(0, 0),
    output_padding=(0, 0),
    dilation=(1, 1),
    groups: int = 1,
    cancel: Callable[[], bool] | None = None,
) -> np.ndarray:
    """PyTorch ConvTranspose2d: the gradient of conv2d with respect to its input.

    x (N, C, H, W); weight (C, K/groups, kH, kW); padding (ph, pw) trims each side;
    output_padding (oh, ow) extends the bottom/right and must be smaller than stride or
    dilation. Ho = (H-1)*sh - 2*ph + dh*(kH-1) + oh + 1. ``cancel`` is polled between tiles.
    """
    x = floating(x)
    check_image(x, "conv_transpose2d")
    weight, bias = like(weight, x.dtype), like(bias, x.dtype)
    n, c, h, w = x.shape
    cw, kg, kh, kw = weight.shape
    if groups < 1 or c != cw or c % groups:
        raise ValueError(
            f"conv_transpose2d: input has {c} channels, weight {weight.shape}, groups={groups}; "
            "need C == weight.shape[0] and C divisible by groups"
        )
    (sh, sw), (dh, dw) = pair(stride, "stride"), pair(dilation, "dilation")
    ph, pw = pair(padding, "padding", minimum=0)
    oh, ow = pair(output_padding, "output_padding", minimum=0)
    if oh >= max(sh, dh) or ow >= max(sw, dw):
        raise ValueError("conv_transpose2d: output_padding must be smaller than stride or dilation")
    ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh + 1
    wo = (w - 1) * sw - 2 * pw + dw * (kw - 1) + ow + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"conv_transpose2d: output would be {ho}x{wo} for input {h}x{w}")
    full = scatter_full(x, weight, (sh, sw, dh, dw), groups, (ph + ho, pw + wo), cancel)
    out = full[:, :, ph:ph + ho, pw:pw + wo]
    if bias is not None:
        out += bias[:, None, None]
    return np.ascontiguousarray(out)


def scatter_full(x: np.ndarray, weight: np.ndarray, geometry, groups: int, least: tuple[int, int],
                 cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """Every input position's weightᵀ·x added into an uncropped map (N, K, Hf, Wf).

    full[:, :, y*sh + i*dh, x*sw + j*dw] receives tap (i, j) of input (y, x); it is at least
    `least` tall and wide so a caller can crop any padding from it. This is both the
    transposed convolution and, with a convolution's weight, that convolution's input gradient.
    Work goes in tiles of positions across the batch, so each tile is one matrix product.
    """
    sh, sw, dh, dw = geometry
    n, c, h, w = x.shape
    _, kg, kh, kw = weight.shape
    cg, k = c // groups, kg * groups
    full = np.zeros((n, k, max(least[0], (h - 1) * sh + dh * (kh - 1) + 1),
                     max(least[1], (w - 1) * sw + dw * (kw - 1) + 1)), dtype=x.dtype)
    wt = weight.reshape(groups, cg, kg * kh * kw).transpose(0, 2, 1)  # BLAS reads it transposed
    scratch = None
    for n0, n1, r0, r1, c0, c1 in conv._tiles(n, h, w, k * kh * kw * x.itemsize, weight.nbytes):
        check_cancel(cancel, "conv_transpose2d")
        xt = np.ascontiguousarray(x[n0:n1, :, r0:r1, c0:c1].transpose(1, 0, 2, 3))
        size = k * kh * kw * xt[0].size
        if scratch is None:
            scratch = np.empty(size, dtype=x.dtype)
        cols = scratch[:size].reshape(groups, kg * kh * kw, -1)
        np.matmul(wt, xt.reshape(groups, cg, -1), out=cols)
        _col2im(cols.reshape(k, kh, kw, n1 - n0, r1 - r0, c1 - c0), full[n0:n1], (r0, c0), geometry)
    return full


def _col2im(cols: np.ndarray, full: np.ndarray, origin: tuple[int, int], geometry) -> None:
    """Add cols (K, kH, kW, n, rows, width) for input positions from `origin` into full (n, K, Hf, Wf)."""
    sh, sw, dh, dw = geometry
    r0, c0 = origin
    _, kh, kw, _, rt, wt = cols.shape
    for i in range(kh):
        y0 = r0 * sh + i * dh
        for j in range(kw):
            x0 = c0 * sw + j * dw
            full[:, :, y0: y0 + (rt - 1) * sh + 1: sh, x0: x0 + (wt - 1) * sw + 1: sw] += \
                cols[:, i, j].transpose(1, 0, 2, 3)
