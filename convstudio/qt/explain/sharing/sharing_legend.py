"""Beside the matrix: the kernel with each weight in its colour, and the input with its column numbers.

Reading x5 in the matrix header and finding x5 on the input grid, then w4 in the kernel,
is how a learner checks that each row is the kernel laid on one window.
"""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from ....engine.explain import ConvConfig
from ... import style
from .. import grid_painter as gp

CELL = 30.0
TITLE = 20.0
MAX_INPUT_CELLS = 100


class SharingLegend(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-sharing-legend")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.cfg: ConvConfig | None = None
        self.named = True

    def set_config(self, cfg: ConvConfig | None, named: bool) -> None:
        self.cfg, self.named = cfg, named
        self.updateGeometry()
        self.update()

    def _cell(self) -> float:
        kh, kw = self.cfg.kernel
        return min(CELL, 150 / max(kh, kw))

    def _show_input(self) -> bool:
        return self.cfg.height * self.cfg.width <= MAX_INPUT_CELLS

    def sizeHint(self) -> QSize:
        if self.cfg is None:
            return QSize(0, 0)
        cell = self._cell()
        kh, kw = self.cfg.kernel
        width = max(kw * cell, 150)
        height = TITLE + kh * cell + 14
        if self._show_input():
            width = max(width, self.cfg.width * 24.0)
            height += TITLE + self.cfg.height * 24.0 + 8
        return QSize(int(width + 12), int(height))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event) -> None:
        if self.cfg is None:
            return
        p = QPainter(self)
        cell = self._cell()
        kh, kw = self.cfg.kernel
        y = self._title(p, 0, "kernel weights" if self.named else "kernel taps")
        for i in range(kh):
            for j in range(kw):
                n = i * kw + j
                rect = QRectF(4 + j * cell, y + i * cell, cell, cell)
                fill = gp.categorical(n)
                gp.fill_cell(p, rect, fill, style.WHITE)
                gp.cell_text(p, rect, f"w{n}" if self.named else f"{i},{j}", gp.ink_for(fill))
        y += kh * cell + 14
        if self._show_input():
            self._input_grid(p, y)

    def _title(self, p: QPainter, y: float, text: str) -> float:
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(gp.TEXT)
        p.drawText(QRectF(4, y, self.width() - 4, TITLE), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   text)
        p.setFont(self.font())
        return y + TITLE

    def _input_grid(self, p: QPainter, y: float) -> None:
        cfg = self.cfg
        y = self._title(p, y, "input x (channel 0)" if cfg.channels > 1 else "input x")
        size = 24.0
        for r in range(cfg.height):
            for c in range(cfg.width):
                rect = QRectF(4 + c * size, y + r * size, size, size)
                gp.fill_cell(p, rect, style.WHITE)
                gp.cell_text(p, rect, f"x{r * cfg.width + c}", gp.MUTED)
