"""Fully connected layer."""

from __future__ import annotations

import numpy as np

from convstudio.kernels.args import floating, like


def dense(x, weight, bias=None) -> np.ndarray:
    """x @ weight.T + bias for x (N, in) and weight (out, in), PyTorch's Linear layout."""
    x = floating(x)
    weight, bias = like(weight, x.dtype), like(bias, x.dtype)
    if x.ndim != 2 or weight.ndim != 2 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"dense: input {x.shape} does not match weight {weight.shape}")
    out = x @ weight.T
    if bias is not None:
        out += bias
    return out
