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


def channel_shuffle(x, groups: int) -> np.ndarray:
    """Interleave the channels of `groups` groups (ShuffleNet; torch.nn.ChannelShuffle).

    Channel g·(C/groups) + i moves to i·groups + g: (N, g, C/g, H, W) transposed to (N, C/g, g, H, W).
    """
    x = floating(x)
    n, c = x.shape[:2]
    if c % groups:
        raise ValueError(f"channel_shuffle: {groups} groups do not divide {c} channels")
    split = x.reshape(n, groups, c // groups, *x.shape[2:])
    return np.ascontiguousarray(split.swapaxes(1, 2)).reshape(x.shape)
