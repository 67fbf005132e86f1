"""2-D convolution: tiled im2col + matrix multiply, Winograd for wide 3x3 layers, and a
plain matrix product for 1x1.

The column matrix for a tile of output positions is built in one reused buffer and
multiplied by the (K, C*kH*kW) weight matrix straight into the output slice, so the
only large scratch is that buffer (bounded by ``MAX_SCRATCH_BYTES``) and no transposes
or result copies are needed. Tiles of ``TILE_BYTES`` stay in cache, which matters more
than the copy count on wide early layers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from convstudio.kernels import parallel
from convstudio.kernels.args import (
    check_cancel,
    check_image,
    floating,
    like,
    out_size,
    pair,
    side_padding,
)
from convstudio.kernels.conv_shift import ROW, TAP, shift_conv2d
from convstudio.kernels.gather import gather
from convstudio.kernels.winograd import band_fits, transformed_filters, winograd_conv3x3, winograd_filter_bytes

TILE_BYTES = 4 << 20
MAX_SCRATCH_BYTES = 96 << 20
# Measured on VGG/ResNet shapes: below these, Winograd's transforms cost more than it saves.
WINOGRAD_MIN_CHANNELS = 128
WINOGRAD_MIN_POSITIONS = 576
WINOGRAD_MIN_CHANNELS_SPLIT = 64
# Measured on TinyVGG's layers: narrow layers on large maps spend more writing im2col's column
# matrix than multiplying it, and the per-tap shifted products win.
SHIFT_CHANNELS = (8, 32)
SHIFT_MIN_POSITIONS = 2048
# Up to this size of an image's column-shifted copy, one product per kernel row wins (conv_shift.ROW).
ROW_COPY_BYTES = 256 << 10
# A batch too small to split by images is split by bands of at least this many output rows.
ROWS_PER_BAND = 8


def conv2d(
    x,
    weight,
    bias=None,
    stride=(1, 1),
    padding=((0, 0), (0, 0)),
    dilation=(1, 1),
    groups: int = 1,
    cancel: Callable[[], bool] | None = None,
) -> np.ndarray:
    """Cross-correlation with PyTorch's Conv2d semantics.

    x (N, C, H, W); weight (K, C/groups, kH, kW); bias (K,) or None; padding is explicit
    per side, ((top, bottom), (left, right)), or an int / (ph, pw) pair.
    Returns (N, K, Ho, Wo) in x's dtype. ``cancel`` is polled between tiles.
    """
    x = floating(x)
    check_image(x, "conv2d")
    weight, bias = like(weight, x.dtype), like(bias, x.dtype)
    n, c, h, w = x.shape
    k, cg, kh, kw = weight.shape
    if groups < 1 or c != cg * groups or k % groups:
        raise ValueError(
            f"conv2d: input has {c} channels and weight {weight.shape} with groups={groups}; "
            "need C == weight.shape[1] * groups and K divisible by groups"
        )
    (sh, sw), (dh, dw) = pair(stride, "stride"), pair(dilation, "dilation")
    (pt, pb), (pl, pr) = side_padding(padding)
    ho, wo = out_size(h, kh, sh, pt + pb, dh), out_size(w, kw, sw, pl + pr, dw)
    if ho < 1 or wo < 1:
        raise ValueError(f"conv2d: output would be {ho}x{wo} for input {h}x{w}")
    out = np.empty((n, k, ho, wo), dtype=x.dtype)
    if out.size == 0:
        return out
    geometry = (sh, sw, dh, dw, pt, pb, pl, pr)
    filters = _Once(lambda: transformed_filters(weight))  # Winograd's, made once for all workers
    if n < 2 * parallel.WORKERS and _bands_read_rows(h, ho, geometry, kh):
        # Too few images to share out: each worker takes a band of output rows instead.
        def band(r0: int, r1: int) -> None:
            xs, sub = _input_rows(x, geometry, kh, r0, r1)
            _conv_into(xs, weight, bias, sub, groups, out[:, :, r0:r1], cancel, filters)
        parallel.over_batch(ho, band, min_images=ROWS_PER_BAND)
        return out
    parallel.over_batch(n, lambda a, b: _conv_into(x[a:b], weight, bias, geometry, groups, out[a:b], cancel, filters))
    return out


def _input_rows(x, geometry, kh: int, r0: int, r1: int):
    """The input rows that output rows r0 .. r1 read, with the padding left above and below them."""
    sh, sw, dh, dw, pt, pb, pl, pr = geometry
    top, bottom = r0 * sh - pt, (r1 - 1) * sh - pt + dh * (kh - 1) + 1  # rows [top, bottom) of padded x
    a, b = max(0, top), min(x.shape[2], bottom)
    return x[:, :, a:b], (sh, sw, dh, dw, a - top, bottom - b, pl, pr)


def _bands_read_rows(h: int, ho: int, geometry, kh: int) -> bool:
    """Whether splitting the output rows over the workers gives every band some input rows (very
    large padding can leave a band all padding) and each band enough rows to be worth it."""
    parts = min(parallel.WORKERS, ho // ROWS_PER_BAND)
    if parts < 2:
        return False
    sh, _, dh, _, pt = geometry[:5]
    for i in range(parts):
        r0, r1 = ho * i // parts, ho * (i + 1) // parts
        top, bottom = r0 * sh - pt, (r1 - 1) * sh - pt + dh * (kh - 1) + 1
        if min(h, bottom) <= max(0, top):
            return False
    return True


class _Once:
    """A value made on first use and then shared, whichever worker asks first."""

    def __init__(self, make):
        self._make, self._lock, self._value = make, threading.Lock(), None

    def __call__(self):
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value


def _conv_into(x, weight, bias, geometry, groups: int, out: np.ndarray, cancel, filters: _Once) -> None:
    """The convolution of one slice of the batch (or band of rows), written into its slice of out.

    ``filters`` gives Winograd's transformed filters, made once for all the slices."""
    sh, sw, dh, dw, pt, pb, pl, pr = geometry
    n, c, h, w = x.shape
    k, cg, kh, kw = weight.shape
    ho, wo = out.shape[2:]
    w3 = weight.reshape(groups, k // groups, cg * kh * kw)
    b3 = None if bias is None else bias.reshape(groups, k // groups, 1)
    if kh == kw == 1 and pt == pb == pl == pr == 0:
        _pointwise(x[:, :, ::sh, ::sw][:, :, :ho, :wo], w3, b3, out, cancel)
        return
    band = winograd_band_bytes()
    if (winograd_pays(weight.shape, weight.itemsize, (sh, sw, dh, dw), groups, ho * wo, shared=True)
            and band_fits(c, k, wo, x.itemsize, band)):
        winograd_conv3x3(x, weight, bias, ((pt, pb), (pl, pr)), out, cancel, band, filters())
        return
    mode = _shift_mode(weight, (sh, sw), groups, (ho, wo), (h + pt + pb, w + pl + pr), x.itemsize)
    if mode is not None:
        shift_conv2d(x, weight, bias, ((pt, pb), (pl, pr)), (dh, dw), out, cancel, mode)
        return
    geometry = (sh, sw, dh, dw, pt, pl)
    scratch = None
    for n0, n1, r0, r1, c0, c1 in _tiles(n, ho, wo, c * kh * kw * x.itemsize, weight.nbytes):
        check_cancel(cancel, "conv2d")
        size = (n1 - n0) * c * kh * kw * (r1 - r0) * (c1 - c0)
        if scratch is None:
            scratch = np.empty(size, dtype=x.dtype)
        cols = scratch[:size].reshape(n1 - n0, c, kh, kw, r1 - r0, c1 - c0)
        _im2col(x[n0:n1], cols, r0, c0, geometry)
        target = _output_slice(out, n0, n1, r0, r1, c0, c1, groups)
        np.matmul(w3, cols.reshape(n1 - n0, groups, cg * kh * kw, -1), out=target)
        if b3 is not None:
            target += b3


def winograd_pays(shape, itemsize: int, steps, groups: int, positions: int, shared: bool) -> bool:
    """Winograd saves most of the products but adds transforms of the data (~ C + K per
    position) and of the weights (~ C*K, held as scratch): it wins for wide layers on maps
    that are not tiny. Inside a batch-parallel worker the transforms run on every core, not
    just the BLAS products, so narrower layers already win (measured on VGG's 64-channel block).
    The transformed weights take at most half the scratch, ``shared`` by all workers (the
    forward); otherwise (the weight gradient) each worker holds its own sums of that size, and
    half as much again while it turns them into the gradient."""
    k, c, kh, kw = shape
    least = WINOGRAD_MIN_CHANNELS_SPLIT if parallel.splitting() else WINOGRAD_MIN_CHANNELS
    held = MAX_SCRATCH_BYTES if shared else parallel.share(MAX_SCRATCH_BYTES)
    need = winograd_filter_bytes(k, c, itemsize) * (2 if shared else 3) // 2
    return (kh == kw == 3 and steps == (1, 1, 1, 1) and groups == 1
            and min(c, k) >= least and positions >= WINOGRAD_MIN_POSITIONS and need <= held // 2)


def winograd_band_bytes() -> int:
    """This worker's part of the scratch for Winograd's bands (patches, transforms, products): a
    third of the whole, beside at most half for the transformed filters. Wide bands keep the
    products wide (the weight gradient's sum over a band's tiles most of all); measured on VGG's
    layers, 16 MB a worker beat 4 MB by up to 1.6 times at 256 channels and lost 5 % at 64."""
    return parallel.share(MAX_SCRATCH_BYTES // 3)


def _shift_mode(weight: np.ndarray, steps, groups: int, out_size, padded, itemsize: int) -> str | None:
    """Which shifted-product path (conv_shift) beats im2col, if any: narrow stride-1 layers.

    Measured on TinyVGG, LeNet and small VGG-like layers: one product per kernel row (ROW) wins
    while an image's column-shifted copy stays in cache; on larger maps, with enough input
    channels for BLAS, one product per tap (TAP), whose scratch is one padded image and two
    output-sized sums, kept within a tile."""
    k, c, kh, kw = weight.shape
    (ho, wo), (hp, wp) = out_size, padded
    if steps != (1, 1) or groups != 1 or max(c, k) > SHIFT_CHANNELS[1]:
        return None
    if c * kw * hp * wp * itemsize <= ROW_COPY_BYTES:
        return ROW
    image_bytes = itemsize * (c * hp + 2 * k * ho) * wp
    if c >= SHIFT_CHANNELS[0] and ho * wo >= SHIFT_MIN_POSITIONS and image_bytes <= TILE_BYTES:
        return TAP
    return None


def _pointwise(xs: np.ndarray, w3: np.ndarray, b3, out: np.ndarray, cancel) -> None:
    """1x1 unpadded convolution: a plain (K, C) @ (C, H*W) product per image."""
    n, c, ho, wo = xs.shape
    groups, kg, cg = w3.shape
    step = max(1, TILE_BYTES // max(1, c * ho * wo * xs.itemsize))
    for n0 in range(0, n, step):
        check_cancel(cancel, "conv2d")
        n1 = min(n, n0 + step)
        cols = np.ascontiguousarray(xs[n0:n1]).reshape(n1 - n0, groups, cg, ho * wo)
        target = out[n0:n1].reshape(n1 - n0, groups, kg, ho * wo)
        np.matmul(w3, cols, out=target)
        if b3 is not None:
            target += b3


def _tiles(n: int, ho: int, wo: int, bytes_per_position: int, weight_bytes: int):
    """Output tiles (n0, n1, r0, r1, c0, c1) whose column matrix fits the scratch budget.

    Whole images are grouped when they fit, else rows of one image, else a part of one
    row; the output slice of each tile is then a plain strided matrix. The budget grows
    with the weight so that large weights are not re-read for many tiny tiles.
    """
    budget = min(parallel.share(MAX_SCRATCH_BYTES), max(TILE_BYTES, weight_bytes))
    positions = max(1, budget // max(1, bytes_per_position))
    if positions >= ho * wo:
        step = min(n, positions // (ho * wo))
        for n0 in range(0, n, step):
            yield n0, min(n, n0 + step), 0, ho, 0, wo
    elif positions >= wo:
        rows = positions // wo
        rows = -(-ho // -(-ho // rows))
        for n0 in range(n):
            for r0 in range(0, ho, rows):
                yield n0, n0 + 1, r0, min(ho, r0 + rows), 0, wo
    else:
        for n0 in range(n):
            for r0 in range(ho):
                for c0 in range(0, wo, positions):
                    yield n0, n0 + 1, r0, r0 + 1, c0, min(wo, c0 + positions)


def _output_slice(out: np.ndarray, n0, n1, r0, r1, c0, c1, groups: int) -> np.ndarray:
    """The tile's part of out as a (n, groups, K/groups, positions) view (never a copy)."""
    k, ho, wo = out.shape[1:]
    if c1 - c0 == wo:
        flat = out[n0:n1].reshape(n1 - n0, groups, k // groups, ho * wo)
        return flat[..., r0 * wo:r1 * wo]
    return out[n0:n1, :, r0, c0:c1].reshape(n1 - n0, groups, k // groups, c1 - c0)


def _im2col(x: np.ndarray, cols: np.ndarray, r0: int, c0: int, geometry) -> None:
    """Fill cols (n, C, kH, kW, rows, width) for output rows r0.. and columns c0..

    One strided copy per kernel tap; positions that fall in the padding are zeroed.
    """
    sh, sw, dh, dw, pt, pl = geometry
    kh, kw = cols.shape[2:4]
    for i in range(kh):
        for j in range(kw):
            gather(cols[:, :, i, j], x, (r0 * sh + i * dh - pt, sh), (c0 * sw + j * dw - pl, sw))
