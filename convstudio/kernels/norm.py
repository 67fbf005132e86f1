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


def batch_norm2d_train(x, weight, bias, eps: float = 1e-5):
    """Training-mode batch norm: normalise with the batch's own mean and biased variance.

    Returns (y, x̂, inv_std, mean, var): x̂ and inv_std are what the backward needs, mean and
    the biased var what the caller folds into the running statistics.
    """
    x = floating(x)
    check_image(x, "batch_norm2d")
    mean = x.mean(axis=(0, 2, 3), dtype=np.float64)
    var = ((x - mean.astype(x.dtype)[:, None, None]) ** 2).mean(axis=(0, 2, 3), dtype=np.float64)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean.astype(x.dtype)[:, None, None]) * inv_std.astype(x.dtype)[:, None, None]
    gamma = np.ones(x.shape[1], x.dtype) if weight is None else np.asarray(weight, x.dtype)
    beta = np.zeros(x.shape[1], x.dtype) if bias is None else np.asarray(bias, x.dtype)
    y = xhat * gamma[:, None, None] + beta[:, None, None]
    return y, xhat, inv_std, mean, var


def batch_norm2d_train_backward(g, xhat, inv_std, weight):
    """(dL/dx, dL/dγ, dL/dβ) of training-mode batch norm, the batch statistics differentiated too:
    dx = γ·inv_std · (g − mean(g) − x̂·mean(g·x̂)) per channel."""
    dbeta = g.sum(axis=(0, 2, 3), dtype=np.float64)
    dgamma = (g * xhat).sum(axis=(0, 2, 3), dtype=np.float64)
    count = g.size // g.shape[1]
    gamma = np.ones(g.shape[1]) if weight is None else np.asarray(weight, np.float64)
    scale = (gamma * inv_std).astype(g.dtype)[:, None, None]
    dx = g - (dbeta / count).astype(g.dtype)[:, None, None]
    dx -= xhat * (dgamma / count).astype(g.dtype)[:, None, None]
    dx *= scale
    return dx, dgamma.astype(g.dtype), dbeta.astype(g.dtype)


def local_response_norm(x, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> np.ndarray:
    """x / (k + α/n · Σ x²)^β with the sum over `size` neighbouring channels (torch.nn.LocalResponseNorm).

    The window holds size // 2 channels before and (size − 1) // 2 after; channels beyond the
    edges count as zeros, and the divisor is always `size`.
    """
    x = floating(x)
    check_image(x, "local_response_norm")
    return x / _lrn_divisor(x, size, alpha, k) ** x.dtype.type(beta)


def local_response_norm_backward(x, g, size: int, alpha: float = 1e-4, beta: float = 0.75,
                                 k: float = 1.0) -> np.ndarray:
    """dL/dx of local_response_norm: g·D^−β − (2αβ/n)·x·Σ g·x·D^(−β−1), the sum over the outputs whose
    window holds this channel (D = k + α/n · Σ x²)."""
    divisor = _lrn_divisor(x, size, alpha, k)
    t = g * x * divisor ** x.dtype.type(-beta - 1)
    spread = _channel_window_sum(t, (size - 1) // 2, size // 2)
    return g * divisor ** x.dtype.type(-beta) - x.dtype.type(2 * alpha * beta / size) * x * spread


def _lrn_divisor(x, size: int, alpha: float, k: float) -> np.ndarray:
    total = _channel_window_sum(np.square(x), size // 2, (size - 1) // 2)
    total *= x.dtype.type(alpha / size)
    total += x.dtype.type(k)
    return total


def _channel_window_sum(a, before: int, after: int) -> np.ndarray:
    """For every channel c, the sum of channels c − before … c + after (zeros beyond the edges)."""
    c = a.shape[1]
    padded = np.zeros((a.shape[0], c + before + after, *a.shape[2:]), dtype=a.dtype)
    padded[:, before:before + c] = a
    total = np.zeros_like(a)
    for offset in range(before + after + 1):
        total += padded[:, offset:offset + c]
    return total
