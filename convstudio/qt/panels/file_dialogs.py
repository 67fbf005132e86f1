"""The file dialogs of the panels, in one place so tests can answer them without a window."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

IMAGES = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
WEIGHTS = "Weights (*.npz);;All files (*)"
PNG = "PNG image (*.png)"
NPZ = "NumPy arrays (*.npz)"


def open_image(parent: QWidget, folder: str = "") -> str:
    return QFileDialog.getOpenFileName(parent, "Open image", folder, IMAGES)[0]


def open_weights(parent: QWidget, folder: str = "") -> str:
    return QFileDialog.getOpenFileName(parent, "Load weights", folder, WEIGHTS)[0]


def save_file(parent: QWidget, title: str, suggestion: str, filter_text: str) -> str:
    return QFileDialog.getSaveFileName(parent, title, suggestion, filter_text)[0]
