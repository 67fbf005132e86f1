"""Stride-1 convolution without im2col: one matrix product per kernel tap on shifted views.

With each image's padded channels flattened row by row (Hp·Wp values per channel), tap (i, j)
reads the same flat array shifted by i·dH·Wp + j·dW. Computing the output on the full padded
width Wp (its last columns are junk and cropped) makes every tap's input a plain strided
matrix (C, L) that BLAS reads in place, so nothing is copied per tap. For narrow layers
(TinyVGG's 10 channels) the column matrix of im2col costs more to write than its product
costs to compute; this path skips it. For the weight gradient the same views give each
tap's (K, C) block as g·xᵀ with no column matrix at any width.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convstudio.kernels.args import check_cancel

# Images per step: enough to amortise the per-tap calls on small maps, few enough to stay in cache.
STEP_BYTES = 2 << 20


def padded_flat(x: np.ndarray, pads, buffer: np.ndarray | None = None) -> np.ndarray:
    """x (n, C, H, W) zero-padded by pads ((top, bottom), (left, right)), as (n, C, Hp·Wp).

    Unpadded input is returned as a view; otherwise the copy goes into ``buffer`` when given.
    """
    (pt, pb), (pl, pr) = pads
    n, c, h, w = x.shape
    if not (pt or pb or pl or pr):
        return x.reshape(n, c, h * w)
    hp, wp = h + pt + pb, w + pl + pr
    size = n * c * hp * wp
    out = np.empty(size, dtype=x.dtype) if buffer is None or buffer.size < size else buffer[:size]
    out = out.reshape(n, c, hp, wp)
    out[:, :, :pt] = 0
    out[:, :, pt + h:] = 0
    out[:, :, pt:pt + h, :pl] = 0
    out[:, :, pt:pt + h, pl + w:] = 0
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out.reshape(n, c, hp * wp)


def _offsets(kh: int, kw: int, dh: int, dw: int, wp: int) -> list[int]:
    return [i * dh * wp + j * dw for i in range(kh) for j in range(kw)]


def _images_per_step(n: int, bytes_per_image: int) -> int:
    return max(1, min(n, STEP_BYTES // max(1, bytes_per_image)))


def shift_conv2d(x, weight, bias, pads, dilation, out, cancel: Callable[[], bool] | None = None) -> None:
    """Write the stride-1, ungrouped convolution of x (N, C, H, W) into out (N, K, Ho, Wo)."""
    n, c, h, w = x.shape
    k, _, kh, kw = weight.shape
    (pt, pb), (pl, pr) = pads
    ho, wo = out.shape[2:]
    wp = w + pl + pr
    length = (ho - 1) * wp + wo  # the last tap's view ends exactly at the padded image's end
    taps = np.ascontiguousarray(weight.transpose(2, 3, 0, 1)).reshape(kh * kw, k, c)
    offsets = _offsets(kh, kw, *dilation, wp)
    step = _images_per_step(n, (c * (h + pt + pb) * wp + 2 * k * ho * wp) * x.itemsize)
    buffer = np.empty(step * c * (h + pt + pb) * wp, dtype=x.dtype) if (pt or pb or pl or pr) else None
    acc = np.empty((step, k, ho * wp), dtype=x.dtype)
    part = np.empty((step, k, length), dtype=x.dtype)
    for n0 in range(0, n, step):
        check_cancel(cancel, "conv2d")
        m = min(step, n - n0)
        flat = padded_flat(x[n0:n0 + m], pads, buffer)
        total, scratch = acc[:m, :, :length], part[:m]
        for t, off in enumerate(offsets):
            np.matmul(taps[t], flat[:, :, off:off + length], out=total if t == 0 else scratch)
            if t:
                total += scratch
        result = acc[:m].reshape(m, k, ho, wp)[:, :, :, :wo]
        if bias is not None:
            np.add(result, bias[:, None, None], out=out[n0:n0 + m])
        else:
            out[n0:n0 + m] = result


def shift_weight_grad(x, g, kernel, pads, dilation, groups: int,
                      cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """dL/dW (K, C/groups, kH, kW) of a stride-1 convolution from x (N, C, H, W) and g (N, K, Ho, Wo).

    Tap (i, j)'s block is Σ over images of g (K, L) times the tap's shifted view of x transposed;
    g sits in a buffer of the padded width whose junk columns stay zero, so they add nothing.
    """
    n, c, h, w = x.shape
    k, ho, wo = g.shape[1:]
    kh, kw = kernel
    (pt, pb), (pl, pr) = pads
    wp = w + pl + pr
    length = (ho - 1) * wp + wo
    cg, kg = c // groups, k // groups
    offsets = _offsets(kh, kw, *dilation, wp)
    step = _images_per_step(n, (c * (h + pt + pb) * wp + k * ho * wp) * x.itemsize)
    buffer = np.empty(step * c * (h + pt + pb) * wp, dtype=x.dtype) if (pt or pb or pl or pr) else None
    wide = np.zeros((step, k, ho, wp), dtype=x.dtype)
    grad = np.zeros((kh * kw, groups, kg, cg), dtype=x.dtype)
    part = np.empty((step, groups, kg, cg), dtype=x.dtype)
    for n0 in range(0, n, step):
        check_cancel(cancel, "conv2d backward")
        m = min(step, n - n0)
        flat = padded_flat(x[n0:n0 + m], pads, buffer).reshape(m, groups, cg, -1)
        wide[:m, :, :, :wo] = g[n0:n0 + m]
        gf = wide[:m].reshape(m, groups, kg, ho * wp)[..., :length]
        for t, off in enumerate(offsets):
            np.matmul(gf, flat[..., off:off + length].swapaxes(-1, -2), out=part[:m])
            grad[t] += part[:m].sum(axis=0) if m > 1 else part[0]
    return grad.transpose(1, 2, 3, 0).reshape(k, cg, kh, kw)
