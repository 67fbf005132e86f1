"""Flatten: images to feature vectors."""

from __future__ import annotations

import numpy as np

from convstudio.kernels.args import floating


def flatten(x) -> np.ndarray:
    """(N, C, H, W) -> (N, C*H*W) in C order, matching torch.flatten(x, 1).

    Returns a view when x is contiguous; callers must not write into it.
    """
    x = floating(x)
    if x.ndim < 1:
        raise ValueError("flatten needs a batch axis")
    return np.ascontiguousarray(x).reshape(x.shape[0], -1)
