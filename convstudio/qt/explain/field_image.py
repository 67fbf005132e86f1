"""The network's input image with a rectangle around the pixels one output value can see."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from ...engine.explain import Box
from ...engine.images import image_to_uint8_rgb
from .. import style
from .controls import rich_label
from .wheel import PagePicture
from .text import esc



def display_rgb(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 of a prepared (C, H, W) input; normalised inputs are stretched back to [0, 1]."""
    x = np.asarray(image, dtype=np.float32)
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    if lo < 0 or hi > 1:
        x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    return image_to_uint8_rgb(x)


def describe_box(box: Box | None, shape: tuple[int, int] | None) -> str:
    if box is None:
        return "The receptive field is unknown for this layer."
    if box.empty:
        return ("This value sees <b>only padding</b>: no input pixel can change it (its window lies in zeros "
                "added by the layers before).")
    h, w = box.size
    whole = " — the whole image" if shape is not None and (h, w) == tuple(shape) else ""
    top, left, bottom, right = box.unclipped
    outside = top < 0 or left < 0 or (shape is not None and (bottom > shape[0] - 1 or right > shape[1] - 1))
    tail = " Part of its window lies in padding, outside the image." if outside and not box.whole else ""
    return (f"<b>Receptive field</b> on the input: rows {box.top}–{box.bottom}, columns {box.left}–{box.right} "
            f"({h}×{w} pixels{whole}). Only these pixels can change this value.{esc(tail)}")


class FieldImage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-field-image")
        self.view = PagePicture()
        self.view.setBackground("w")
        self.view.setToolTip("The network's input image; the red frame is what the chosen output value can see "
                             "(Ctrl+wheel zooms)")
        self.view.setMinimumSize(150, 130)
        self.view.setMaximumHeight(240)
        self.plot = self.view.addPlot()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.hideAxis("bottom")
        self.plot.hideAxis("left")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.frame = QGraphicsRectItem(0, 0, 1, 1)
        pen = QPen(style.PICK, 2)
        pen.setCosmetic(True)
        self.frame.setPen(pen)
        self.plot.addItem(self.frame)
        self.caption = rich_label("field-caption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        self.box: Box | None = None

    def show_field(self, image: np.ndarray | None, box: Box | None) -> None:
        self.box = box
        shape = None if image is None else image.shape[1:]
        if image is not None:
            self.image.setImage(display_rgb(image), autoLevels=False, levels=(0, 255))
            self.plot.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0.02)
        self.frame.setVisible(box is not None and not box.empty)
        if box is not None and not box.empty:
            self.frame.setRect(QRectF(box.left, box.top, box.right - box.left + 1, box.bottom - box.top + 1))
        self.caption.setText(describe_box(box, shape))
