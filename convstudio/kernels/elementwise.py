"""Activations and softmax.

Each returns a new array; relu and tanh also take ``out`` (which may be ``x`` itself
when the caller no longer needs the input). Inputs are never modified otherwise.
"""

from __future__ import annotations

import numpy as np

from convstudio.kernels import parallel
from convstudio.kernels.args import floating


def relu(x, out=None) -> np.ndarray:
    """max(x, 0)."""
    x = floating(x)
    if x.ndim == 0:
        return np.maximum(x, x.dtype.type(0), out=out)
    out = np.empty_like(x) if out is None else out
    return parallel.by_images(out, lambda s: np.maximum(x[s], x.dtype.type(0), out=out[s]))


def relu_backward(x, g) -> np.ndarray:
    """g where x > 0, else 0: the comparison written straight into out as 1.0 / 0.0, then times g
    in place (measured faster than a separate int8 mask, and several times faster than np.where)."""
    out = np.empty_like(g)

    def fill(s):
        np.greater(x[s], 0, out=out[s])
        np.multiply(out[s], g[s], out=out[s])
    return parallel.by_images(out, fill)


def leaky_relu(x, slope: float = 0.01) -> np.ndarray:
    """x where x >= 0, slope * x elsewhere."""
    x = floating(x)
    return np.where(x >= 0, x, x * x.dtype.type(slope))


def sigmoid(x) -> np.ndarray:
    """1 / (1 + exp(-x)), computed from exp(-|x|) so large |x| cannot overflow."""
    x = floating(x)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
        r = np.reciprocal(e + 1)
        return np.where(x < 0, e * r, r)


def tanh(x, out=None) -> np.ndarray:
    """Hyperbolic tangent (saturates without overflow)."""
    x = floating(x)
    return np.tanh(x, out=out)


def softmax(x, axis: int = 1) -> np.ndarray:
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the maximum so exp never overflows."""
    x = floating(x)
    e = x - x.max(axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        np.exp(e, out=e)
        e /= e.sum(axis=axis, keepdims=True)
    return e
