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


def avg_pool2d(x, kernel, stride=None, padding=(0, 0)) -> np.ndarray:
    """Window mean with zero padding counted in the divisor (count_include_pad=True)."""
    return _pool(x, kernel, stride, padding, "avg")


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
