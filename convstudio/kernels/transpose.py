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
    """
    sh, sw, dh, dw = geometry
    n, c, h, w = x.shape
    _, kg, kh, kw = weight.shape
    cg, k = c // groups, kg * groups
    full = np.zeros((n, k, max(least[0], (h - 1) * sh + dh * (kh - 1) + 1),
                     max(least[1], (w - 1) * sw + dw * (kw - 1) + 1)), dtype=x.dtype)
    wt = weight.reshape(groups, cg, kg * kh * kw).transpose(0, 2, 1)  # BLAS reads it transposed
    rows = max(1, min(h, conv.TILE_BYTES // max(1, k * kh * kw * w * x.itemsize)))
    scratch = np.empty(k * kh * kw * rows * w, dtype=x.dtype)
    for i in range(n):
        xi = x[i].reshape(groups, cg, h * w)
        for r0 in range(0, h, rows):
            check_cancel(cancel, "conv_transpose2d")
            rt = min(rows, h - r0)
            cols = scratch[: k * kh * kw * rt * w].reshape(groups, kg * kh * kw, rt * w)
            np.matmul(wt, xi[:, :, r0 * w:(r0 + rt) * w], out=cols)
            _col2im(cols.reshape(k, kh, kw, rt, w), full[i], r0, geometry)
    return full


def _col2im(cols: np.ndarray, full: np.ndarray, r0: int, geometry) -> None:
    """Add cols (K, kH, kW, rows, W) for input rows r0.. into full (K, Hf, Wf)."""
    sh, sw, dh, dw = geometry
    _, kh, kw, rt, w = cols.shape
    for i in range(kh):
        y0 = r0 * sh + i * dh
        for j in range(kw):
            x0 = j * dw
            full[:, y0: y0 + (rt - 1) * sh + 1: sh, x0: x0 + (w - 1) * sw + 1: sw] += cols[:, i, j]
