"""Argument normalisation shared by the kernels.

Callers pass ints or pairs as they come from layer parameters; the kernels work on
explicit per-axis (and, for padding, per-side) tuples so the arithmetic is written once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convstudio.errors import RunCancelled


def pair(value, name: str, minimum: int = 1) -> tuple[int, int]:
    """(a, b) from an int or a pair, each checked against ``minimum``."""
    if np.isscalar(value):
        value = (value, value)
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {value!r}")
    a, b = (int(v) for v in value)
    if a < minimum or b < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {(a, b)}")
    return a, b


def side_padding(value, name: str = "padding") -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from an int, a (ph, pw) pair or explicit sides."""
    if np.isscalar(value):
        value = (value, value)
    if len(value) != 2:
        raise ValueError(f"{name} must be an int, a pair or a pair of pairs, got {value!r}")
    sides = tuple(pair(v, name, minimum=0) for v in value)
    return sides[0], sides[1]


def floating(x) -> np.ndarray:
    """The array itself when already floating point, else a float32 copy.

    Kernels compute in the input's dtype so float32 stays float32 end to end.
    """
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def like(array, dtype) -> np.ndarray | None:
    """A parameter array in the activations' dtype (None stays None)."""
    return None if array is None else np.asarray(array, dtype=dtype)


def check_image(x: np.ndarray, name: str) -> None:
    """Kernels on images expect (N, C, H, W)."""
    if x.ndim != 4:
        raise ValueError(f"{name} expects an (N, C, H, W) array, got shape {x.shape}")


def check_cancel(cancel: Callable[[], bool] | None, name: str) -> None:
    """Raise RunCancelled when the user asked to stop."""
    if cancel is not None and cancel():
        raise RunCancelled(f"{name} cancelled")


def out_size(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    """Output length of a window sliding over a padded axis (floor mode)."""
    return (size + pad - dilation * (kernel - 1) - 1) // stride + 1
