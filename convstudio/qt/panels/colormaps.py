"""Colormaps for feature maps and filters: pyqtgraph's bundled tables, applied in NumPy.

Thumbnails are coloured here rather than by one pyqtgraph ImageItem each, so a page of
64 maps costs one table lookup instead of 64 scene items.
"""
from __future__ import annotations

from functools import cache

import numpy as np
import pyqtgraph as pg

MAP_NAMES = ("viridis", "gray", "magma", "inferno", "plasma", "cividis", "turbo")
DEFAULT = "viridis"
DIVERGING = "CET-D1A"  # blue (negative) – white (zero) – red (positive): signed weights

DESCRIPTIONS = {
    "viridis": "Dark blue (low) to yellow (high); even steps of brightness, readable by colour-blind users",
    "gray": "Black (low) to white (high): how the CLI's PNG grids look",
    "magma": "Black to light yellow through purple; even steps of brightness",
    "inferno": "Black to yellow through red; even steps of brightness",
    "plasma": "Blue to yellow through pink, without black",
    "cividis": "Blue to yellow, designed for colour-vision deficiency",
    "turbo": "Rainbow: separates close values, but its brightness is uneven",
}


@cache
def colormap(name: str) -> pg.ColorMap:
    """The pyqtgraph ColorMap of `name` ("gray" is a plain black-to-white ramp)."""
    if name == "gray":
        return pg.ColorMap(pos=[0.0, 1.0], color=[(0, 0, 0), (255, 255, 255)])
    return pg.colormap.get(name)


@cache
def lut(name: str) -> np.ndarray:
    """(256, 3) uint8 table of `name`."""
    table = colormap(name).getLookupTable(0.0, 1.0, nPts=256, mode="byte")
    return np.ascontiguousarray(table[:, :3], dtype=np.uint8)


def apply(values01: np.ndarray, name: str) -> np.ndarray:
    """Colour values in [0, 1] (any shape) → uint8 RGB with one more axis of 3; NaN shows as 0."""
    scaled = np.multiply(np.asarray(values01, dtype=np.float32), np.float32(255.0), dtype=np.float32)
    scaled = np.atleast_1d(scaled) if scaled.ndim == 0 else scaled
    np.fmax(scaled, 0.0, out=scaled)    # fmax/fmin drop NaN in favour of the bound: NaN → 0
    np.fmin(scaled, 255.0, out=scaled)
    scaled += 0.5
    return lut(name).take(scaled.astype(np.uint8), axis=0).reshape(np.shape(values01) + (3,))
