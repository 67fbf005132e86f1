"""Gradient pictures beside the pictures they belong to (NumPy only): a map next to its dL/dy,
a filter above its dL/dW, both in the diverging colours with 0 in the middle.

One symmetric scale (±the largest |gradient| of the layer) colours every channel, so 0 is
always white and channels can be compared: a pale channel gets little gradient.
"""
from __future__ import annotations

import numpy as np

from . import colormaps
from .map_render import Ranges, thumbnails

GAP = 3
GAP_GRAY = 255


def symmetric_limit(values: np.ndarray) -> float:
    """The largest |value| (1 when all are 0): the colour scale runs from −limit to +limit."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    return top if top > 0 and np.isfinite(top) else 1.0


def gradient_thumbnails(grads: np.ndarray, channels: range, thumb: int | None) -> list[np.ndarray]:
    """(C, H, W) dL/dy → coloured thumbnails of `channels` on one symmetric scale."""
    m = symmetric_limit(grads)
    c = grads.shape[0]
    ranges = Ranges(np.full(c, -m, np.float32), np.full(c, m, np.float32))
    return thumbnails(grads, channels, ranges, True, colormaps.DIVERGING, thumb)


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Two (h, w, 3) images in one, with a white gap, tops aligned."""
    h = max(left.shape[0], right.shape[0])
    out = np.full((h, left.shape[1] + GAP + right.shape[1], 3), GAP_GRAY, np.uint8)
    out[:left.shape[0], :left.shape[1]] = left
    out[:right.shape[0], left.shape[1] + GAP:] = right
    return out


def stacked(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Two (h, w, 3) images one above the other, with a white gap, right edges aligned (a filter's
    slices sit at its right end, after the colour patch when there is one)."""
    w = max(top.shape[1], bottom.shape[1])
    out = np.full((top.shape[0] + GAP + bottom.shape[0], w, 3), GAP_GRAY, np.uint8)
    out[:top.shape[0], w - top.shape[1]:] = top
    out[top.shape[0] + GAP:, w - bottom.shape[1]:] = bottom
    return out
