"""NumPy RGB arrays → QImage that owns its pixels (the array may be freed afterwards)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def rgb_image(rgb: np.ndarray) -> QImage:
    data = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = data.shape[:2]
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
