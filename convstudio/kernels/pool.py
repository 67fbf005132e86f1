"""Max, average and global average pooling (PyTorch semantics, floor mode).

Windows are reduced tap by tap over strided views of the whole batch, which is one
vectorised pass per kernel position and avoids the slow multi-axis reductions that a
reshape-based window view would need.
"""

from __future__ import annotations

import numpy as np

from convstudio.kernels import parallel
from convstudio.kernels.args import check_image, floating, out_size, pair


def max_pool2d(x, kernel, stride=None, padding=(0, 0)) -> np.ndarray:
    """Window maximum; padding counts as -inf, so it never wins. stride defaults to kernel."""
    return _pool(x, kernel, stride, padding, "max")


def avg_pool2d(x, kernel, stride=None, padding=(0, 0), count_include_pad: bool = True) -> np.ndarray:
    """Window mean; zero padding counts in the divisor unless count_include_pad is False (as in PyTorch)."""
    out = _pool(x, kernel, stride, padding, "avg")
    if not count_include_pad and any(pair(padding, "padding", minimum=0)):
        out *= _padding_share(np.shape(x)[2:], kernel, stride, padding, out.dtype)
    return out


def _padding_share(size, kernel, stride, padding, dtype) -> np.ndarray:
    """Per output pixel, window area / input pixels in the window: turns a mean over the window into
    a mean over the input pixels only."""
    shares = []
    for i, k, s, p in zip(size, *_geometry(kernel, stride, padding)):
        starts = np.arange(out_size(i, k, s, 2 * p)) * s - p
        inside = np.minimum(starts + k, i) - np.maximum(starts, 0)
        shares.append(k / inside)
    return np.outer(*shares).astype(dtype)


def global_avg_pool2d(x) -> np.ndarray:
    """Mean over each channel's whole map: (N, C, H, W) -> (N, C, 1, 1)."""
    x = floating(x)
    check_image(x, "global_avg_pool2d")
    return x.mean(axis=(2, 3), keepdims=True, dtype=x.dtype)


def _pool(x, kernel, stride, padding, mode: str) -> np.ndarray:
    x = floating(x)
    name = f"{mode}_pool2d"
    check_image(x, name)
    kh, kw = pair(kernel, "kernel")
    sh, sw = pair(kernel if stride is None else stride, "stride")
    ph, pw = pair(padding, "padding", minimum=0)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError(f"{name}: padding {(ph, pw)} must be at most half the kernel {(kh, kw)}")
    n, c, h, w = x.shape
    ho, wo = out_size(h, kh, sh, 2 * ph), out_size(w, kw, sw, 2 * pw)
    if ho < 1 or wo < 1:
        raise ValueError(f"{name}: output would be {ho}x{wo} for input {h}x{w}")
    x = _padded(x, ph, pw, -np.inf if mode == "max" else 0.0)
    combine = np.maximum if mode == "max" else np.add
    out = None
    for i in range(kh):
        for j in range(kw):
            tap = x[:, :, i: i + (ho - 1) * sh + 1: sh, j: j + (wo - 1) * sw + 1: sw]
            if out is None:
                out = tap.copy()
            else:
                combine(out, tap, out=out)
    if mode == "avg":
        out /= x.dtype.type(kh * kw)
    return out


def max_pool2d_backward(x, g, kernel, stride=None, padding=(0, 0), taps=None) -> np.ndarray:
    """dL/dx of max_pool2d: each window's gradient goes wholly to its maximum.

    The arg-max is found tap by tap in PyTorch's scan order with a strict comparison, so
    on ties the first position wins; overlapping windows add their gradients. ``taps`` is
    the arg-max that `max_pool2d_with_taps` kept during the forward (found again when None).
    """
    args = _geometry(kernel, stride, padding)
    if taps is None:
        taps = max_pool2d_with_taps(x, *args)[1]
    return _scatter(g, x.shape, args, lambda t, s, out=None: np.multiply(g[s], taps[s] == t, out=out))


def avg_pool2d_backward(x_shape, g, kernel, stride=None, padding=(0, 0),
                        count_include_pad: bool = True) -> np.ndarray:
    """dL/dx of avg_pool2d: g / (kH·kW) to every position of the window, padding counted (or, when it
    is left out, g / the image pixels in the window)."""
    if not count_include_pad and any(pair(padding, "padding", minimum=0)):
        g = g * _padding_share(x_shape[2:], kernel, stride, padding, g.dtype)
    args = _geometry(kernel, stride, padding)
    share = g / g.dtype.type(args[0][0] * args[0][1])
    return _scatter(share, x_shape, args, lambda t, s, out=None: share[s] if out is None else np.copyto(out, share[s]))


def global_avg_pool2d_backward(x_shape, g) -> np.ndarray:
    """dL/dx of global_avg_pool2d: each channel's gradient spread evenly over its map."""
    n, c, h, w = x_shape
    return np.broadcast_to(g / g.dtype.type(h * w), (n, c, h, w)).copy()


def max_pool2d_with_taps(x, kernel, stride=None, padding=(0, 0)) -> tuple[np.ndarray, np.ndarray]:
    """max_pool2d's output and, for every output, the index i·kW + j of the window tap holding
    its max (the smallest integer type that counts the taps), for the backward to keep."""
    args = (kh, kw), (sh, sw), (ph, pw) = _geometry(kernel, stride, padding)
    x = floating(x)
    n, c, h, w = x.shape
    ho, wo = out_size(h, kh, sh, 2 * ph), out_size(w, kw, sw, 2 * pw)
    best = np.empty((n, c, ho, wo), dtype=x.dtype)
    taps = np.empty(best.shape, dtype=np.min_scalar_type(kh * kw - 1))
    parallel.by_images(best, lambda s: _max_with_taps(x[s], best[s], taps[s], args))
    return best, taps


def _max_with_taps(x, best, taps, args) -> None:
    """Fill best and taps for these images: the first tap, then each later tap that is strictly
    larger (PyTorch's scan order, so ties keep the first position)."""
    (kh, kw), (sh, sw), (ph, pw) = args
    ho, wo = best.shape[2:]
    padded = _padded(x, ph, pw, -np.inf)
    best[...] = padded[:, :, 0: (ho - 1) * sh + 1: sh, 0: (wo - 1) * sw + 1: sw]
    taps[...] = 0
    wins = np.empty(best.shape, dtype=bool)
    step = np.empty_like(taps)
    for i in range(kh):
        for j in range(kw):
            if i == j == 0:
                continue
            tap = padded[:, :, i: i + (ho - 1) * sh + 1: sh, j: j + (wo - 1) * sw + 1: sw]
            np.greater(tap, best, out=wins)
            np.maximum(best, tap, out=best)
            # taps = wins ? t : taps, as integer arithmetic (masked copies are ~10x slower)
            np.subtract(taps.dtype.type(i * kw + j), taps, out=step)
            step *= wins
            taps += step


def _geometry(kernel, stride, padding):
    """((kH, kW), (sH, sW), (pH, pW)) with the stride defaulting to the kernel."""
    return (pair(kernel, "kernel"), pair(kernel if stride is None else stride, "stride"),
            pair(padding, "padding", minimum=0))


def _padded(x, ph, pw, fill):
    if not (ph or pw):
        return x
    n, c, h, w = x.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _scatter(g, x_shape, args, share) -> np.ndarray:
    """Add share(tap, images) of every window tap into the padded input's gradient, then crop.

    Windows that do not overlap (stride >= kernel) write each input position at most once, so
    each tap's share is written straight into place (share(tap, images, out=place)) instead of
    being added.
    """
    (kh, kw), (sh, sw), (ph, pw) = args
    n, c, h, w = x_shape
    ho, wo = g.shape[2:]
    apart = sh >= kh and sw >= kw
    tiled = (sh, sw) == (kh, kw) and (ho * sh, wo * sw) == (h + 2 * ph, w + 2 * pw)  # every position written
    dx = np.empty((n, c, h, w), dtype=g.dtype)

    def fill(s: slice) -> None:
        part = dx[s] if not (ph or pw) else np.empty((len(dx[s]), c, h + 2 * ph, w + 2 * pw), dtype=g.dtype)
        if not tiled:
            part[...] = 0
        for i in range(kh):
            for j in range(kw):
                view = part[:, :, i: i + (ho - 1) * sh + 1: sh, j: j + (wo - 1) * sw + 1: sw]
                if apart:
                    share(i * kw + j, s, out=view)
                else:
                    view += share(i * kw + j, s)
        if ph or pw:
            dx[s] = part[:, :, ph:ph + h, pw:pw + w]

    return parallel.by_images(dx, fill)
