"""Colours and sizes shared by the canvas, palette, inspector and summary, so they agree."""
from __future__ import annotations

from PySide6.QtGui import QColor

FAMILY_COLORS = {
    "Input": "#3f7fd9",
    "Convolution": "#d9712b",
    "Pooling": "#2f9a72",
    "Activation": "#9b55c4",
    "Normalization": "#8a8a2e",
    "Dense": "#c9415f",
    "Merge": "#4f6478",
    "Reshape": "#7d6447",
}

ERROR = QColor("#d32f2f")
WARNING = QColor("#e69500")
SELECTED = QColor("#1e6fe0")
EDGE = QColor("#7b8694")
OK_TEXT = QColor("#2e7d32")


def family_color(family: str) -> QColor:
    return QColor(FAMILY_COLORS.get(family, "#666666"))


def tint(color: QColor, amount: float) -> QColor:
    """`color` mixed with white; amount 0 = white, 1 = color."""
    return QColor(
        round(255 + (color.red() - 255) * amount),
        round(255 + (color.green() - 255) * amount),
        round(255 + (color.blue() - 255) * amount),
    )
