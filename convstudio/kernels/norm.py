"""Batch normalisation in inference mode."""

from __future__ import annotations

import numpy as np

from convstudio.kernels.args import check_image, floating


def batch_norm2d(x, weight, bias, running_mean, running_var, eps: float = 1e-5) -> np.ndarray:
    """(x - mean) / sqrt(var + eps) * weight + bias per channel, folded into one scale and shift.

    weight or bias may be None (PyTorch's affine=False).
    """
    x = floating(x)
    check_image(x, "batch_norm2d")
    c = x.shape[1]
    mean = np.asarray(running_mean, dtype=np.float64)
    var = np.asarray(running_var, dtype=np.float64)
    gamma = np.ones(c) if weight is None else np.asarray(weight, dtype=np.float64)
    beta = np.zeros(c) if bias is None else np.asarray(bias, dtype=np.float64)
    if not mean.shape == var.shape == gamma.shape == beta.shape == (c,):
        raise ValueError(f"batch_norm2d: statistics and affine parameters must have shape ({c},)")
    scale = gamma / np.sqrt(var + eps)
    shift = beta - mean * scale
    out = x * scale.astype(x.dtype)[:, None, None]
    out += shift.astype(x.dtype)[:, None, None]
    return out


def local_response_norm(x, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> np.ndarray:
    """x / (k + α/n · Σ x²)^β with the sum over `size` neighbouring channels (torch.nn.LocalResponseNorm).

    The window holds size // 2 channels before and (size − 1) // 2 after; channels beyond the
    edges count as zeros, and the divisor is always `size`.
    """
    x = floating(x)
    check_image(x, "local_response_norm")
    c = x.shape[1]
    squares = np.zeros((x.shape[0], c + size - 1, *x.shape[2:]), dtype=x.dtype)
    np.square(x, out=squares[:, size // 2:size // 2 + c])
    total = np.zeros_like(x)
    for offset in range(size):
        total += squares[:, offset:offset + c]
    total *= x.dtype.type(alpha / size)
    total += x.dtype.type(k)
    return x / total ** x.dtype.type(beta)
