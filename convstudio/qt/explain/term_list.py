"""The per-channel terms of one output value as a painted, scrollable list (fast for 512 channels).

Each row is one input channel: its F×F input window, the matching kernel slice (both as
small heatmaps with their numbers), and the partial sum Σ window·kernel with a bar.
Only the rows in view are painted, so a 512-channel layer scrolls as smoothly as 3.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...engine.explain import Breakdown, ChannelTerm
from ...wording import counted
from .. import style
from . import grid_painter as gp
from .text import num

LABEL_W = 44.0
SIGN_W = 20.0
VALUE_W = 84.0
BAR_W = 70.0
CELL_MIN, CELL_MAX = 12.0, 34.0
CELL_NUMBERS = 28.0  # the smallest cell a signed two-decimal number ("−0.06") is still written in
ROWS_IN_VIEW = 3     # channel rows a short dock should show at once, while the numbers stay readable
HEADER_H = 22.0
PAD = 6.0


def order_terms(terms: tuple[ChannelTerm, ...], by_size: bool) -> list[ChannelTerm]:
    """Largest |partial sum| first (ties keep channel order), or plain channel order."""
    if not by_size:
        return list(terms)
    return sorted(terms, key=lambda t: -abs(t.partial))


class TermList(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-term-list")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.terms: list[ChannelTerm] = []
        self.cell = 20.0
        self.window_scale = self.kernel_scale = self.partial_scale = 1.0
        self.total_abs = 1.0
        self.room = 0.0  # height of the scroll area showing the list; 0 = unknown

    def set_terms(self, breakdown: Breakdown | None, by_size: bool = True) -> None:
        self.terms = order_terms(breakdown.terms, by_size) if breakdown else []
        if self.terms:
            self._fit_cells()
            self.window_scale = max(float(np.max([np.abs(t.window).max() for t in self.terms])), 1e-12)
            self.kernel_scale = max(float(np.max([np.abs(t.kernel).max() for t in self.terms])), 1e-12)
            self.partial_scale = max(max(abs(t.partial) for t in self.terms), 1e-12)
            self.total_abs = max(sum(abs(t.partial) for t in self.terms), 1e-12)
        self._fix_height()
        self.update()

    def _fit_cells(self) -> None:
        """Cells as large as the width allows (numbers need about 30 px), capped for large kernels."""
        kh, kw = self.terms[0].kernel.shape
        room = (self.width() - LABEL_W - 2 * SIGN_W - VALUE_W - BAR_W - 4 * PAD) / (2 * kw)
        cell = min(CELL_MAX, 220 / max(kh, kw), int(room))
        if self.room:  # shrink the rows until a few fit the room, but not past where numbers vanish
            cell = min(cell, max(CELL_NUMBERS, ((self.room - HEADER_H) / ROWS_IN_VIEW - 2 * PAD) / kh))
        self.cell = float(max(CELL_MIN, int(cell)))

    def fit_room(self, height: float) -> None:
        """The scroll area around the list is `height` tall: size the rows so several are in view."""
        if height == self.room:
            return
        self.room = float(height)
        if self.terms:
            self._fit_cells()
            self._fix_height()
            self.update()

    def _fix_height(self) -> None:
        self.setFixedHeight(int(HEADER_H + len(self.terms) * self.row_height() + PAD))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.terms and event.size().width() != event.oldSize().width():
            self._fit_cells()
            self._fix_height()

    def row_height(self) -> float:
        if not self.terms:
            return 0.0
        return self.terms[0].kernel.shape[0] * self.cell + 2 * PAD

    def sizeHint(self) -> QSize:
        return QSize(int(self._width()), self.height())

    def _width(self) -> float:
        kw = self.terms[0].kernel.shape[1] if self.terms else 3
        return LABEL_W + 2 * kw * self.cell + 2 * SIGN_W + VALUE_W + BAR_W + 4 * PAD

    def minimumSizeHint(self) -> QSize:
        kw = self.terms[0].kernel.shape[1] if self.terms else 3
        return QSize(int(LABEL_W + 2 * kw * CELL_MIN + 2 * SIGN_W + VALUE_W + BAR_W + 4 * PAD), 40)

    # -- painting ------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), style.WHITE)
        if not self.terms:
            return
        self._paint_header(p)
        h = self.row_height()
        first = max(0, int((event.rect().top() - HEADER_H) // h))
        last = min(len(self.terms), int((event.rect().bottom() - HEADER_H) // h) + 1)
        for i in range(first, last):
            self._paint_row(p, i, HEADER_H + i * h)

    def _columns(self) -> tuple[float, float, float, float, float]:
        """x of: window grid, kernel grid, value text, bar."""
        kw = self.terms[0].kernel.shape[1]
        win = LABEL_W
        ker = win + kw * self.cell + SIGN_W
        value = ker + kw * self.cell + SIGN_W
        bar = value + VALUE_W
        return win, ker, value, bar, kw * self.cell

    def _paint_header(self, p: QPainter) -> None:
        win, ker, value, _bar, width = self._columns()
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(gp.TEXT)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for x, text, w in ((4, "ch", LABEL_W), (win, "input window", width + SIGN_W),
                           (ker, "kernel slice", width + SIGN_W), (value, "partial sum", VALUE_W + BAR_W)):
            text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(w - 4))
            p.drawText(QRectF(x, 0, w, HEADER_H), flags, text)
        p.setFont(self.font())

    def _paint_row(self, p: QPainter, i: int, y: float) -> None:
        t = self.terms[i]
        win, ker, value, bar, width = self._columns()
        h = self.row_height()
        if i % 2:
            p.fillRect(QRectF(0, y, self.width(), h), style.ROW_STRIPE)
        p.setPen(gp.TEXT)
        p.drawText(QRectF(8, y, LABEL_W - 8, h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   f"{t.channel}")
        gp.value_grid(p, win, y + PAD, self.cell, t.window, self.window_scale, t.padding)
        p.setPen(gp.MUTED)
        p.drawText(QRectF(win + width, y, SIGN_W, h), Qt.AlignmentFlag.AlignCenter, "×")
        gp.value_grid(p, ker, y + PAD, self.cell, t.kernel, self.kernel_scale)
        p.setPen(gp.MUTED)
        p.drawText(QRectF(ker + width, y, SIGN_W, h), Qt.AlignmentFlag.AlignCenter, "→")
        p.setPen(gp.TEXT)
        p.drawText(QRectF(value, y, VALUE_W - 6, h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   num(t.partial))
        self._paint_bar(p, t.partial, QRectF(bar, y + h / 2 - 6, BAR_W - PAD, 12))

    def _paint_bar(self, p: QPainter, v: float, box: QRectF) -> None:
        """A bar from the centre: right and red for positive, left and blue for negative."""
        mid = box.center().x()
        length = box.width() / 2 * abs(v) / self.partial_scale
        rect = QRectF(mid, box.top(), length, box.height()) if v >= 0 else \
            QRectF(mid - length, box.top(), length, box.height())
        p.fillRect(rect, gp.heat(v, self.partial_scale))
        p.setPen(gp.GRID)
        p.drawLine(int(mid), int(box.top() - 2), int(mid), int(box.bottom() + 2))

    # -- tooltips ---------------------------------------------------------------------------------------
    def row_at(self, y: float) -> int | None:
        if not self.terms or y < HEADER_H:
            return None
        i = int((y - HEADER_H) // self.row_height())
        return i if 0 <= i < len(self.terms) else None

    def _cell_tip(self, t: ChannelTerm, i: int, x: float, y: float) -> str:
        """The numbers of the tap under the pointer, for cells too small to write them in."""
        win, ker, _value, _bar_x, width = self._columns()
        r = int((y - HEADER_H - i * self.row_height() - PAD) // self.cell)
        for left in (win, ker):
            c = int((x - left) // self.cell)
            if left <= x < left + width and 0 <= r < t.kernel.shape[0]:
                w, k = float(t.window[r, c]), float(t.kernel[r, c])
                return f"\ntap ({r}, {c}): input {num(w, 5)} × weight {num(k, 5)} = {num(w * k, 5)}"
        return ""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            i = self.row_at(event.pos().y())
            if i is None:
                QToolTip.hideText()
            else:
                t = self.terms[i]
                share = 100 * abs(t.partial) / self.total_abs
                pads = int(t.padding.sum())
                QToolTip.showText(event.globalPos(), (
                    f"Input channel {t.channel}: Σ window × kernel = {num(t.partial, 6)} "
                    f"({share:.1f} % of all |partial sums|)"
                    + (f"; {counted(pads, 'tap')} on padding count{'s' * (pads == 1)} as 0" if pads else "")
                    + self._cell_tip(t, i, event.pos().x(), event.pos().y())), self)
            return True
        return super().event(event)
