"""Exports from the panels: grids and single maps as PNG, activations as .npz."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from ...errors import ConvStudioError
from ...io.atomic import write_atomic
from . import colormaps
from .map_render import normalized
from .qimages import to_qimage

MIN_MAP_PNG = 256  # small maps are enlarged (whole factor, nearest) so the PNG is viewable


def save_png(image: QImage, path: str | Path) -> None:
    if image.isNull() or not image.save(str(path), "PNG"):
        raise ConvStudioError(f"{path}: could not write the PNG (check the folder and permissions)")


def map_image(values: np.ndarray, levels: tuple[float, float], cmap: str) -> QImage:
    """A (H, W) map coloured over `levels`, enlarged by a whole factor to at least MIN_MAP_PNG pixels."""
    lo, hi = levels
    unit = normalized(values[None], np.array([lo], np.float32), np.array([hi], np.float32))[0]
    rgb = colormaps.apply(unit, cmap)
    factor = max(1, -(-MIN_MAP_PNG // max(values.shape)))
    return to_qimage(rgb.repeat(factor, axis=0).repeat(factor, axis=1))


def write_activations(path: str | Path, activations: dict[str, np.ndarray]) -> str:
    """Every layer's output keyed by layer id, batch axis included (the CLI's activations.npz layout)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: v[None] for k, v in activations.items()})
    write_atomic(path, buf.getvalue())
    return f"Wrote the activations of {len(activations)} layers to {Path(path).name}."
