"""Gradients of conv2d: the input gradient is a transposed convolution, the weight gradient a
correlation of the input with the output gradient, built from the forward's own tiles.

Both reuse the forward's machinery so their scratch stays bounded the same way: the input
gradient scatters Wᵀ·g with the transposed convolution's col2im, the weight gradient
multiplies each im2col tile of x by the matching slice of g and sums over the batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convstudio.kernels import conv, parallel
from convstudio.kernels.args import check_cancel, pair, side_padding
from convstudio.kernels.conv_shift import ROW, TAP, shift_weight_grad
from convstudio.kernels.gather import gather
from convstudio.kernels.transpose import scatter_full
from convstudio.kernels.winograd import band_fits, winograd_weight_grad3x3

# Below this many input channels per group, the input gradient as a convolution is a matrix
# product with too few rows for BLAS to be efficient; scattering Wᵀ·g then does better.
MIN_GEMM_ROWS = 8
# Up to this many (input × output) channels per group, the weight gradient's per-tap products on
# shifted views beat building the column matrix (measured: 3x on TinyVGG, equal on VGG's 64×64).
SHIFT_MAX_CHANNEL_PAIRS = 64 * 64


def conv2d_input_grad(g, weight, x_shape, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
                      groups: int = 1, cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """dL/dx of conv2d for g = dL/dy (N, K, Ho, Wo): Wᵀ·g scattered back, padding cropped.

    Rows and columns the window never reached (stride leftovers) get a zero gradient.
    """
    (sh, sw), (dh, dw) = pair(stride, "stride"), pair(dilation, "dilation")
    (pt, pb), (pl, pr) = side_padding(padding)
    h, w = x_shape[2:]
    weight = np.asarray(weight, dtype=g.dtype)
    kh, kw = weight.shape[2:]
    reach_h, reach_w = dh * (kh - 1), dw * (kw - 1)
    if (sh, sw) == (1, 1) and weight.shape[1] >= MIN_GEMM_ROWS and max(pt, pb) <= reach_h and max(pl, pr) <= reach_w:
        # At stride 1 the transposed convolution is a plain one of g with the flipped, transposed
        # filters: the forward's fast paths (Winograd included) then serve the backward too.
        flipped = transposed_filters(weight, groups)[:, :, ::-1, ::-1]
        pads = ((reach_h - pt, reach_h - pb), (reach_w - pl, reach_w - pr))
        return conv.conv2d(g, np.ascontiguousarray(flipped), None, padding=pads, dilation=(dh, dw),
                           groups=groups, cancel=cancel)
    dx = np.empty((g.shape[0], *x_shape[1:]), dtype=g.dtype)

    def scatter(a: int, b: int) -> None:
        full = scatter_full(g[a:b], weight, (sh, sw, dh, dw), groups, (pt + h, pl + w), cancel)
        dx[a:b] = full[:, :, pt:pt + h, pl:pl + w]

    parallel.over_batch(len(dx), scatter)
    return dx


def transposed_filters(weight: np.ndarray, groups: int) -> np.ndarray:
    """(K, C/groups, kH, kW) filters as (C, K/groups, kH, kW): within each group, input and output
    channels swap roles."""
    k, cg, kh, kw = weight.shape
    return weight.reshape(groups, k // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4).reshape(
        groups * cg, k // groups, kh, kw)


def conv2d_weight_grad(x, g, kernel, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
                       groups: int = 1, cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """dL/dW (K, C/groups, kH, kW) = Σ over images and positions of g[k] · x-window[c].

    The positions are g's (N, K, Ho, Wo). Each tile of positions across the batch is gathered
    channel-first, (C·kH·kW, positions), so one matrix product per tile does the whole sum.
    """
    geometry = (pair(stride, "stride"), pair(dilation, "dilation"), side_padding(padding), pair(kernel, "kernel"))
    g = np.asarray(g, dtype=x.dtype)
    parts = parallel.over_batch(len(x), lambda a, b: _weight_grad(x[a:b], g[a:b], geometry, groups, cancel))
    return parts[0] if len(parts) == 1 else sum(parts[1:], parts[0])


def _weight_grad(x, g, geometry, groups: int, cancel) -> np.ndarray:
    """The weight gradient of one slice of the batch."""
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)), (kh, kw) = geometry
    n, c, h, w = x.shape
    k, ho, wo = g.shape[1:]
    cg, kg = c // groups, k // groups
    band = conv.winograd_band_bytes()
    if (conv.winograd_pays((k, cg, kh, kw), x.itemsize, (sh, sw, dh, dw), groups, ho * wo, shared=False)
            and band_fits(c, k, wo, x.itemsize, band, grad=True)):
        return winograd_weight_grad3x3(x, g, ((pt, pb), (pl, pr)), cancel, band)
    # Very few input channels: one product per kernel row, whose blocks have kW times the columns
    # (measured: VGG's RGB layer 3.7 times faster than per tap, TinyVGG's 1.1 times).
    mode = ROW if groups == 1 and c < conv.SHIFT_CHANNELS[0] else TAP
    hp, wp = h + pt + pb, w + pl + pr
    copy = c * kw * hp if mode == ROW else 0
    image_scratch = (c * hp + k * ho + copy) * wp * x.itemsize  # a padded image, a wide g and ROW's copy
    if (sh, sw) == (1, 1) and cg * kg <= SHIFT_MAX_CHANNEL_PAIRS and image_scratch <= conv.TILE_BYTES:
        return shift_weight_grad(x, g, (kh, kw), ((pt, pb), (pl, pr)), (dh, dw), groups, cancel, mode)
    grad = np.zeros((groups, kg, cg * kh * kw), dtype=x.dtype)
    xt = x.transpose(1, 0, 2, 3)
    scratch = None
    for n0, n1, r0, r1, c0, c1 in conv._tiles(n, ho, wo, c * kh * kw * x.itemsize, k * c * kh * kw * x.itemsize):
        check_cancel(cancel, "conv2d backward")
        size = c * kh * kw * (n1 - n0) * (r1 - r0) * (c1 - c0)
        if scratch is None:
            scratch = np.empty(size, dtype=x.dtype)
        cols = scratch[:size].reshape(c, kh, kw, n1 - n0, r1 - r0, c1 - c0)
        for i in range(kh):
            for j in range(kw):
                gather(cols[:, i, j], xt[:, n0:n1], (r0 * sh + i * dh - pt, sh), (c0 * sw + j * dw - pl, sw))
        gt = np.ascontiguousarray(g[n0:n1, :, r0:r1, c0:c1].transpose(1, 0, 2, 3)).reshape(groups, kg, -1)
        grad += np.matmul(gt, cols.reshape(groups, cg * kh * kw, -1).transpose(0, 2, 1))
    return grad.reshape(k, cg, kh, kw)
