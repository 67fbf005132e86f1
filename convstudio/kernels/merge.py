"""Layers that combine several inputs."""

from __future__ import annotations

import numpy as np

from convstudio.kernels.args import floating


def add(*xs) -> np.ndarray:
    """Element-wise sum of arrays of one shape (a residual connection)."""
    if not xs:
        raise ValueError("add needs at least one input")
    xs = [floating(x) for x in xs]
    if any(x.shape != xs[0].shape for x in xs):
        raise ValueError(f"add: shapes differ: {[x.shape for x in xs]}")
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out


def concat(xs) -> np.ndarray:
    """Join (N, C_i, H, W) arrays along the channel axis, in the given order."""
    xs = [floating(x) for x in xs]
    if not xs:
        raise ValueError("concat needs at least one input")
    if any(x.ndim < 2 or x.shape[:1] + x.shape[2:] != xs[0].shape[:1] + xs[0].shape[2:] for x in xs):
        raise ValueError(f"concat: shapes differ outside the channel axis: {[x.shape for x in xs]}")
    return np.concatenate(xs, axis=1)
