"""The convolution as a dense matrix: every non-zero entry coloured by the kernel weight it copies.

Rows are output values, columns input values (both in C-order, as Flatten orders them).
Small matrices are drawn cell by cell with the weight's name in it; large ones become one
pixel per entry, scaled to fit, where the repeated diagonal bands still show the sharing.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ....engine.explain import ConvConfig, SharingMatrix
from ...panels.qimages import to_qimage
from ... import style
from .. import grid_painter as gp

MAX_NAMED = len(gp.CATEGORICAL)  # up to this many weights each get their own colour
LABEL = 34.0
CELL_MAX = 40.0
CELL_LABELS = 12.0
BLOCK_LINE = style.TEXT  # between the filter × channel blocks


def colour_keys(m: SharingMatrix) -> tuple[np.ndarray, bool]:
    """(key per entry, −1 where zero; whether keys are weights (True) or kernel taps (False)).

    One filter on one channel: one colour per weight. Several: one colour per kernel tap,
    so the legend stays one kernel and every (filter, channel) copy of a tap looks alike.
    """
    k, cg, kh, kw = m.config.weight_shape
    if k * cg == 1 and kh * kw <= MAX_NAMED:
        return m.index, True
    return np.where(m.index >= 0, m.index % (kh * kw), -1), False


def weight_name(index: int, cfg: ConvConfig) -> str:
    """w4, or w[k, c, i, j] when the layer has several filters or channels."""
    k, cg, kh, kw = cfg.weight_shape
    if k * cg == 1:
        return f"w{index}"
    f, rest = divmod(index, cg * kh * kw)
    c, rest = divmod(rest, kh * kw)
    i, j = divmod(rest, kw)
    return f"w[{f},{c},{i},{j}]"


def block_steps(cfg: ConvConfig) -> tuple[int, int]:
    """(rows per filter, columns per input channel): the matrix is a K×C grid of one-channel blocks."""
    oh, ow = cfg.output
    return oh * ow, cfg.height * cfg.width


def colour_table(n: int) -> np.ndarray:
    """(n + 1, 3) uint8: white for zeros (key −1, stored last), then the categorical colours."""
    table = np.array([[int(gp.CATEGORICAL[i % len(gp.CATEGORICAL)][a:a + 2], 16) for a in (1, 3, 5)]
                      for i in range(n)] + [[255, 255, 255]], dtype=np.uint8)
    return table


class MatrixCanvas(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-matrix")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 120)
        self.matrix: SharingMatrix | None = None
        self.keys: np.ndarray | None = None
        self.named = True
        self.image: QImage | None = None
        self.cell = 0.0
        self.origin = (0.0, 0.0)

    def sizeHint(self) -> QSize:
        return QSize(640, 260)

    def set_matrix(self, m: SharingMatrix | None) -> None:
        self.matrix = m
        self.keys, self.named = colour_keys(m) if m is not None else (None, True)
        self.image = None
        if m is not None:
            n = int(self.keys.max()) + 1 if self.keys.size and self.keys.max() >= 0 else 1
            self.image = to_qimage(colour_table(n)[self.keys])  # key −1 picks the last row: white
        self.update()

    def _layout(self) -> tuple[float, float, float]:
        rows, cols = self.keys.shape
        cell = min(CELL_MAX, (self.width() - LABEL - 4) / cols, (self.height() - LABEL - 4) / rows)
        grid_w = cols * cell
        x = LABEL + max(0.0, (self.width() - LABEL - 4 - grid_w) / 2)
        return x, LABEL, cell

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), style.WHITE)
        if self.matrix is None:
            return
        x, y, cell = self._layout()
        self.cell, self.origin = cell, (x, y)
        rows, cols = self.keys.shape
        if cell >= CELL_LABELS:
            self._paint_cells(p, x, y, cell)
            self._paint_indices(p, x, y, cell)
            self._paint_blocks(p, x, y, cell)
        else:
            p.drawImage(QRectF(x, y, cols * cell, rows * cell), self.image)
            p.setPen(gp.GRID)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x, y, cols * cell, rows * cell))
            p.setPen(gp.MUTED)
            p.drawText(QRectF(x, 0, cols * cell, LABEL), Qt.AlignmentFlag.AlignCenter,
                       f"{cols:,} input values →")
            self._paint_blocks(p, x, y, cell)

    def _paint_blocks(self, p: QPainter, x: float, y: float, cell: float) -> None:
        """Lines between the filter × channel blocks, each block one (filter, channel) pair's own kernel."""
        cfg = self.matrix.config
        if cfg.filters * cfg.channels == 1:
            return
        rows, cols = self.keys.shape
        per_filter, per_channel = block_steps(cfg)
        p.setPen(QPen(BLOCK_LINE, 2))
        for r in range(per_filter, rows, per_filter):
            p.drawLine(QPointF(x - 2, y + r * cell), QPointF(x + cols * cell + 2, y + r * cell))
        for c in range(per_channel, cols, per_channel):
            p.drawLine(QPointF(x + c * cell, y - 2), QPointF(x + c * cell, y + rows * cell + 2))

    def _paint_cells(self, p: QPainter, x: float, y: float, cell: float) -> None:
        cfg = self.matrix.config
        for r in range(self.keys.shape[0]):
            for c in range(self.keys.shape[1]):
                rect = QRectF(x + c * cell, y + r * cell, cell, cell)
                key = int(self.keys[r, c])
                if key < 0:
                    gp.fill_cell(p, rect, style.WHITE, style.EMPTY_EDGE)
                    continue
                fill = gp.categorical(key)
                gp.fill_cell(p, rect, fill, style.WHITE)
                name = weight_name(int(self.matrix.index[r, c]), cfg) if self.named else ""
                if name and len(name) <= 3:
                    gp.cell_text(p, rect, name, gp.ink_for(fill))

    def _paint_indices(self, p: QPainter, x: float, y: float, cell: float) -> None:
        font = QFont(self.font())
        font.setPixelSize(int(max(8, min(11, cell * 0.45))))
        p.setFont(font)
        p.setPen(gp.MUTED)
        rows, cols = self.keys.shape
        every = 1 if cell >= 22 else 2 if cell >= 16 else 4
        for c in range(0, cols, every):
            p.drawText(QRectF(x + c * cell - 4, y - 16, cell + 8, 14), Qt.AlignmentFlag.AlignCenter, f"x{c}")
        for r in range(rows):
            p.drawText(QRectF(0, y + r * cell, LABEL - 4, cell), Qt.AlignmentFlag.AlignRight |
                       Qt.AlignmentFlag.AlignVCenter, f"y{r}")
        p.setFont(self.font())

    def entry_at(self, px: float, py: float) -> tuple[int, int] | None:
        if self.matrix is None or self.cell <= 0:
            return None
        c = int((px - self.origin[0]) // self.cell)
        r = int((py - self.origin[1]) // self.cell)
        rows, cols = self.keys.shape
        return (r, c) if 0 <= r < rows and 0 <= c < cols and px >= self.origin[0] and py >= self.origin[1] else None

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            hit = self.entry_at(event.pos().x(), event.pos().y())
            if hit is None:
                QToolTip.hideText()
            else:
                r, c = hit
                index = int(self.matrix.index[r, c])
                what = (f"0: this input is outside output y{r}'s window" if index < 0 else
                        f"{weight_name(index, self.matrix.config)}: a copy of that kernel weight")
                per_filter, per_channel = block_steps(self.matrix.config)
                if self.matrix.config.filters * self.matrix.config.channels > 1:
                    what += f" (block of filter {r // per_filter}, input channel {c // per_channel})"
                QToolTip.showText(event.globalPos(), f"Row y{r} (output), column x{c} (input): {what}", self)
            return True
        return super().event(event)
