"""Stride-1 convolution without im2col's gathers: matrix products on shifted views.

With each image's padded channels flattened row by row (Hp·Wp values per channel), tap (i, j)
reads the same flat array shifted by i·dH·Wp + j·dW. Computing the output on the full padded
width Wp (its last columns are junk and cropped) makes every tap's input a plain strided
matrix (C, L) that BLAS reads in place. How many taps share one product is a trade:

- ``TAP``: one product per tap straight on the views, nothing copied; the products are summed.
  Best on large maps, where a copy would not stay in cache.
- ``ROW``: the kW column shifts copied once, contiguously (C·kW, ...); each kernel row is then
  one product on a row-shifted view of that copy: a third of the products and sums, with more
  rows each for BLAS. Best while an image's copy stays in cache (small maps, few channels).

For the weight gradient the same views give each tap's or each row's (K, ·) block as g·xᵀ.
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


TAP, ROW = "tap", "row"


def _shifted(flat, kernel, dilation, wp: int, length: int, buffer) -> np.ndarray:
    """ROW's copy: the (m, C, kW, length + (kH - 1)·dH·Wp) column shifts of the flat images."""
    (kh, kw), (dh, dw) = kernel, dilation
    m, c = flat.shape[:2]
    span = length + (kh - 1) * dh * wp
    out = buffer[: m * c * kw * span].reshape(m, c, kw, span)
    for j in range(kw):
        out[:, :, j] = flat[:, :, j * dw: j * dw + span]
    return out


def _copy_values(mode: str, c: int, kernel, dilation, wp: int, length: int) -> int:
    """Values of one image's ROW copy (none for TAP)."""
    if mode not in (TAP, ROW):
        raise ValueError(f"conv_shift: unknown mode {mode!r}; use TAP or ROW")
    (kh, kw), (dh, _) = kernel, dilation
    return c * kw * (length + (kh - 1) * dh * wp) if mode == ROW else 0


def shift_conv2d(x, weight, bias, pads, dilation, out, cancel: Callable[[], bool] | None = None,
                 mode: str = TAP) -> None:
    """Write the stride-1, ungrouped convolution of x (N, C, H, W) into out (N, K, Ho, Wo)."""
    n, c, h, w = x.shape
    k, _, kh, kw = weight.shape
    (pt, pb), (pl, pr) = pads
    ho, wo = out.shape[2:]
    wp = w + pl + pr
    length = (ho - 1) * wp + wo  # the last tap's view ends exactly at the padded image's end
    copy = _copy_values(mode, c, (kh, kw), dilation, wp, length)
    step = _images_per_step(n, (c * (h + pt + pb) * wp + 2 * k * ho * wp + copy) * x.itemsize)
    buffer = np.empty(step * c * (h + pt + pb) * wp, dtype=x.dtype) if (pt or pb or pl or pr) else None
    shifted = np.empty(step * copy, dtype=x.dtype)
    acc = np.empty((step, k, ho * wp), dtype=x.dtype)
    part = np.empty((step, k, length), dtype=x.dtype)
    products = _products(weight, mode, dilation, wp)
    for n0 in range(0, n, step):
        check_cancel(cancel, "conv2d")
        m = min(step, n - n0)
        flat = padded_flat(x[n0:n0 + m], pads, buffer)
        source = flat if mode == TAP else _shifted(flat, (kh, kw), dilation, wp, length, shifted)
        source = source.reshape(m, -1, source.shape[-1])
        total = acc[:m, :, :length]
        for p, (w_p, off) in enumerate(products):
            np.matmul(w_p, source[..., off:off + length], out=total if p == 0 else part[:m])
            if p:
                total += part[:m]
        if bias is not None:  # on the contiguous sums: twice as fast as while cropping
            total += bias[:, None]
        out[n0:n0 + m] = acc[:m].reshape(m, k, ho, wp)[:, :, :, :wo]


def _products(weight, mode: str, dilation, wp: int):
    """(weights (K, source rows), offset into the source) of each product the forward sums."""
    k, c, kh, kw = weight.shape
    dh, dw = dilation
    if mode == ROW:
        return [(np.ascontiguousarray(weight[:, :, i]).reshape(k, c * kw), i * dh * wp) for i in range(kh)]
    taps_at = [(i, j) for i in range(kh) for j in range(kw)]
    return [(np.ascontiguousarray(weight[:, :, i, j]), off)
            for (i, j), off in zip(taps_at, _offsets(kh, kw, dh, dw, wp), strict=True)]


def shift_weight_grad(x, g, kernel, pads, dilation, groups: int,
                      cancel: Callable[[], bool] | None = None, mode: str = TAP) -> np.ndarray:
    """dL/dW (K, C/groups, kH, kW) of a stride-1 convolution from x (N, C, H, W) and g (N, K, Ho, Wo).

    Each product's block is Σ over images of g (K, L) times its source's rows transposed; g sits
    in a buffer of the padded width whose junk columns stay zero, so they add nothing.
    """
    n, c, h, w = x.shape
    k, ho, wo = g.shape[1:]
    kh, kw = kernel
    (pt, pb), (pl, pr) = pads
    dh, dw = dilation
    wp = w + pl + pr
    length = (ho - 1) * wp + wo
    cg, kg = c // groups, k // groups
    copy = _copy_values(mode, c, kernel, dilation, wp, length)
    step = _images_per_step(n, (c * (h + pt + pb) * wp + k * ho * wp + copy) * x.itemsize)
    buffer = np.empty(step * c * (h + pt + pb) * wp, dtype=x.dtype) if (pt or pb or pl or pr) else None
    shifted = np.empty(step * copy, dtype=x.dtype)
    wide = np.zeros((step, k, ho, wp), dtype=x.dtype)
    blocks = _grad_blocks(mode, kernel, dilation, wp)
    width = cg if mode == TAP else cg * kw
    grad = np.zeros((len(blocks), groups, kg, width), dtype=x.dtype)
    part = np.empty((step, groups, kg, width), dtype=x.dtype)
    for n0 in range(0, n, step):
        check_cancel(cancel, "conv2d backward")
        m = min(step, n - n0)
        flat = padded_flat(x[n0:n0 + m], pads, buffer)
        source = flat if mode == TAP else _shifted(flat, kernel, dilation, wp, length, shifted)
        source = source.reshape(m, groups, -1, source.shape[-1])
        wide[:m, :, :, :wo] = g[n0:n0 + m]
        gf = wide[:m].reshape(m, groups, kg, ho * wp)[..., :length]
        for b, off in enumerate(blocks):
            np.matmul(gf, source[..., off:off + length].swapaxes(-1, -2), out=part[:m])
            grad[b] += part[:m].sum(axis=0) if m > 1 else part[0]
    if mode == TAP:
        return grad.transpose(1, 2, 3, 0).reshape(k, cg, kh, kw)
    return grad.reshape(kh, k, cg, kw).transpose(1, 2, 0, 3).copy()


def _grad_blocks(mode: str, kernel, dilation, wp: int) -> list[int]:
    """The source offset of each block of the weight gradient: per tap or per kernel row."""
    (kh, kw), (dh, dw) = kernel, dilation
    if mode == ROW:
        return [i * dh * wp for i in range(kh)]
    return _offsets(kh, kw, dh, dw, wp)
