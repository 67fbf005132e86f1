"""Max, average and global average pooling (PyTorch semantics, floor mode).

Windows are reduced tap by tap over strided views of the whole batch, which is one
vectorised pass per kernel position and avoids the slow multi-axis reductions that a
reshape-based window view would need.
"""

from __future__ import annotations

import numpy as np

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
    for a, (i, k, s, p) in enumerate(zip(size, pair(kernel, "kernel"), pair(kernel if stride is None else stride,
                                                                         "stride"), pair(padding, "padding", 0))):
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
    if ph or pw:
        fill = -np.inf if mode == "max" else 0.0
        padded = np.full((n, c, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
        x = padded
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
