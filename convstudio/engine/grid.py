"""Feature maps tiled into one image: the CLI's PNG grids and the app's exports."""
from __future__ import annotations

import math

import numpy as np

GAP = 2
MIN_TILE = 48


def normalize(maps: np.ndarray, shared: bool = False) -> np.ndarray:
    """Scale (C, H, W) maps to [0, 1], per channel or over all channels; constant maps become 0.5."""
    axes = None if shared else (1, 2)
    lo = maps.min(axis=axes, keepdims=True)
    hi = maps.max(axis=axes, keepdims=True)
    span = hi - lo
    out = np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0.5)
    return out.astype(np.float32)


def tile(maps: np.ndarray, columns: int | None = None, shared: bool = False) -> np.ndarray:
    """(C, H, W) → one (rows·H', cols·W') grayscale float image with gaps, small maps enlarged."""
    c, h, w = maps.shape
    scale = max(1, math.ceil(MIN_TILE / max(h, w)))
    norm = normalize(maps, shared).repeat(scale, axis=1).repeat(scale, axis=2)
    th, tw = h * scale, w * scale
    cols = columns or math.ceil(math.sqrt(c))
    rows = math.ceil(c / cols)
    grid = np.ones((rows * (th + GAP) - GAP, cols * (tw + GAP) - GAP), np.float32)
    for i in range(c):
        r, q = divmod(i, cols)
        grid[r * (th + GAP): r * (th + GAP) + th, q * (tw + GAP): q * (tw + GAP) + tw] = norm[i]
    return grid


def save_png(path, image: np.ndarray) -> None:
    """Write a [0, 1] grayscale (H, W) or RGB (H, W, 3) float image as PNG."""
    from PIL import Image

    data = (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
    Image.fromarray(data).save(path, format="PNG")
