"""Painting helpers shared by the explain views: cells, hatching, value colours, fitted text.

Everything is drawn with QPainter on plain widgets: a few hundred rectangles per frame,
so stepping the window or scrolling 512 channel rows stays instant.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen

from ..style import (CATEGORICAL, CELL_EDGE, CURRENT, FOOTPRINT, GRID, MUTED, PAD, PAD_HATCH, REAL, TAP, TAP_EDGE,  # noqa: F401
                     TEXT, UNCOVERED, UNCOVERED_EDGE, WHITE)


NEG = np.array([33, 102, 172], dtype=np.float64)   # blue for negative values
POS = np.array([178, 24, 43], dtype=np.float64)    # red for positive values


def categorical(i: int) -> QColor:
    return QColor(CATEGORICAL[i % len(CATEGORICAL)])


def heat(value: float, scale: float) -> QColor:
    """Blue (negative) – white (0) – red (positive), saturating at ±scale."""
    t = 0.0 if scale <= 0 else max(-1.0, min(1.0, value / scale))
    end = POS if t >= 0 else NEG
    rgb = 255 + (end - 255) * abs(t)
    return QColor(*(round(c) for c in rgb))


def ink_for(fill: QColor) -> QColor:
    """Black or white text, whichever reads better on `fill`."""
    return QColor(WHITE) if fill.lightnessF() < 0.55 else TEXT


def hatch(p: QPainter, rect: QRectF, color: QColor = PAD_HATCH) -> None:
    """Diagonal hatching inside `rect`: padding cells look different even in gray print."""
    p.save()
    p.setClipRect(rect)
    p.setPen(QPen(color, 1))
    step = max(4.0, rect.width() / 4)
    x = rect.left() - rect.height()
    while x < rect.right():
        p.drawLine(QPointF(x, rect.bottom()), QPointF(x + rect.height(), rect.top()))
        x += step
    p.restore()


def fitted_font(base: QFont, cell: float, text: str, fraction: float = 0.86) -> QFont | None:
    """A font whose `text` fits in a `cell`-wide box, or None when it would be too small to read."""
    font = QFont(base)
    size = min(cell * 0.42, 14.0, cell * fraction / (max(1, len(text)) * 0.6))
    if size < 8.0:
        return None
    font.setPixelSize(int(size))
    return font


def cell_text(p: QPainter, rect: QRectF, text: str, color: QColor = TEXT) -> None:
    font = fitted_font(p.font(), min(rect.width(), rect.height() * 1.6), text)
    if font is None:
        return
    p.save()
    p.setFont(font)
    p.setPen(color)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()


def fill_cell(p: QPainter, rect: QRectF, fill: QColor, edge: QColor = GRID, width: float = 1.0) -> None:
    p.setPen(QPen(edge, width))
    p.setBrush(QBrush(fill))
    p.drawRect(rect)


def cell_number(value: float, digits: int = 2) -> str:
    """A value as written in a cell: true minus sign, and no "−0.00" for a tiny negative that rounds to 0."""
    text = f"{value:.{digits}f}"
    return f"{0:.{digits}f}" if float(text) == 0 else text.replace("-", "−")


def value_grid(p: QPainter, origin_x: float, origin_y: float, cell: float, values: np.ndarray, scale: float,
               masked: np.ndarray | None = None, digits: int = 2) -> None:
    """A small heatmap of `values` with the numbers written in (hatched where `masked`)."""
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            rect = QRectF(origin_x + c * cell, origin_y + r * cell, cell, cell)
            if masked is not None and masked[r, c]:
                fill_cell(p, rect, PAD)
                hatch(p, rect)
                cell_text(p, rect, "0", MUTED)
                continue
            v = float(values[r, c])
            fill = heat(v, scale)
            fill_cell(p, rect, fill, CELL_EDGE)
            cell_text(p, rect, cell_number(v, digits), ink_for(fill))
