"""Strided window copies with zero fill: the building block of im2col-style gathers."""

from __future__ import annotations

import numpy as np


def _valid(count: int, offset: int, stride: int, size: int) -> tuple[int, int]:
    """Indices o in [0, count) whose source index o*stride + offset lies in [0, size)."""
    lo = max(0, -(offset // stride))
    hi = min(count, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


def gather(dst: np.ndarray, x: np.ndarray, rows, cols) -> None:
    """dst[..., r, q] = x[..., r*sy + oy, q*sx + ox] with zeros where that falls outside x.

    rows and cols are (offset, step) pairs; dst and x share their leading axes.
    """
    (oy, sy), (ox, sx) = rows, cols
    ht, wt = dst.shape[-2:]
    a, b = _valid(ht, oy, sy, x.shape[-2])
    p, q = _valid(wt, ox, sx, x.shape[-1])
    if a == b or p == q:
        dst[...] = 0
        return
    ys = slice(a * sy + oy, (b - 1) * sy + oy + 1, sy)
    xs = slice(p * sx + ox, (q - 1) * sx + ox + 1, sx)
    dst[..., a:b, p:q] = x[..., ys, xs]
    dst[..., :a, :] = 0
    dst[..., b:, :] = 0
    dst[..., a:b, :p] = 0
    dst[..., a:b, q:] = 0
