"""Gradients of conv2d: the input gradient is a transposed convolution, the weight gradient a
correlation of the input with the output gradient, built from the forward's own tiles.

Both reuse the forward's machinery so their scratch stays bounded the same way: the input
gradient scatters Wᵀ·g with the transposed convolution's col2im, the weight gradient
multiplies each im2col tile of x by the matching slice of g and sums over the batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convstudio.kernels import conv
from convstudio.kernels.args import check_cancel, pair, side_padding
from convstudio.kernels.transpose import scatter_full


def conv2d_input_grad(g, weight, x_shape, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
                      groups: int = 1, cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """dL/dx of conv2d for g = dL/dy (N, K, Ho, Wo): Wᵀ·g scattered back, padding cropped.

    Rows and columns the window never reached (stride leftovers) get a zero gradient.
    """
    (sh, sw), (dh, dw) = pair(stride, "stride"), pair(dilation, "dilation")
    (pt, pb), (pl, pr) = side_padding(padding)
    h, w = x_shape[2:]
    weight = np.asarray(weight, dtype=g.dtype)
    full = scatter_full(g, weight, (sh, sw, dh, dw), groups, (pt + h, pl + w), cancel)
    return np.ascontiguousarray(full[:, :, pt:pt + h, pl:pl + w])


def conv2d_weight_grad(x, g, kernel, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
                       groups: int = 1, cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """dL/dW (K, C/groups, kH, kW) = Σ over images and positions of g[k] · x-window[c].

    The positions are g's (N, K, Ho, Wo); x is read through the forward's im2col tiles.
    """
    (sh, sw), (dh, dw) = pair(stride, "stride"), pair(dilation, "dilation")
    (pt, _), (pl, _) = side_padding(padding)
    kh, kw = pair(kernel, "kernel")
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g, dtype=x.dtype)
    n, c, _, _ = x.shape
    k, ho, wo = g.shape[1:]
    cg, kg = c // groups, k // groups
    grad = np.zeros((groups, kg, cg * kh * kw), dtype=np.float64 if x.dtype == np.float64 else np.float32)
    geometry = (sh, sw, dh, dw, pt, pl)
    scratch = None
    for n0, n1, r0, r1, c0, c1 in conv._tiles(n, ho, wo, c * kh * kw * x.itemsize, k * c * kh * kw * x.itemsize):
        check_cancel(cancel, "conv2d backward")
        size = (n1 - n0) * c * kh * kw * (r1 - r0) * (c1 - c0)
        if scratch is None:
            scratch = np.empty(size, dtype=x.dtype)
        cols = scratch[:size].reshape(n1 - n0, c, kh, kw, r1 - r0, c1 - c0)
        conv._im2col(x[n0:n1], cols, r0, c0, geometry)
        gt = conv._output_slice(g, n0, n1, r0, r1, c0, c1, groups)
        flat = cols.reshape(n1 - n0, groups, cg * kh * kw, -1)
        for i in range(n1 - n0):
            grad += gt[i] @ flat[i].transpose(0, 2, 1)
    return grad.reshape(k, cg, kh, kw).astype(x.dtype, copy=False)
