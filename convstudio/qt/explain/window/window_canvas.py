"""The sliding-window picture: the padded input with the kernel's taps, and the output grid.

Padding cells are gray and hatched with the value they hold ("0", or "−∞" for max
pooling); the taps of the current position are orange, the dilated footprint is a dashed
blue frame (gaps between taps stay unfilled), cells no position ever reads are red.
Large grids are cropped around the window (see `crop`), with the real indices on the edges.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ....engine.explain import SlidingWindow
from ....wording import counted
from ... import style
from .. import grid_painter as gp
from ....engine.explain.crop import MAX_CELL, MIN_CELL, cell_size, visible_range

LABEL_W = 30.0    # room for row numbers on the left
TITLE_H = 22.0    # the grid's caption
INDEX_H = 16.0    # column numbers above the grid
FOOT_H = 18.0     # "rows a–b of n" under a cropped grid
GAP = 36.0        # between the two grids (holds the arrow)


@dataclass
class GridGeometry:
    """Where one grid was drawn: its cropped index ranges and cell size (for clicks and tests)."""

    x: float
    y: float
    cell: float
    rows: tuple[int, int]
    cols: tuple[int, int]

    def cell_at(self, px: float, py: float) -> tuple[int, int] | None:
        c = int((px - self.x) // self.cell) + self.cols[0]
        r = int((py - self.y) // self.cell) + self.rows[0]
        if self.rows[0] <= r < self.rows[1] and self.cols[0] <= c < self.cols[1] and px >= self.x and py >= self.y:
            return r, c
        return None

    def rect(self, r: int, c: int) -> QRectF:
        return QRectF(self.x + (c - self.cols[0]) * self.cell, self.y + (r - self.rows[0]) * self.cell,
                      self.cell, self.cell)


class WindowCanvas(QWidget):
    output_clicked = Signal(int, int)  # row, col of the output grid

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-window-canvas")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 130)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.window_: SlidingWindow | None = None
        self.reason = ""  # why nothing is drawn
        self.position = (0, 0)
        self.mask: np.ndarray | None = None
        self.coverage: np.ndarray | None = None
        self.input_geometry: GridGeometry | None = None
        self.output_geometry: GridGeometry | None = None

    def sizeHint(self) -> QSize:
        return QSize(640, 380)

    # -- state -------------------------------------------------------------------------------------
    def set_window(self, window: SlidingWindow | None, reason: str = "") -> None:
        """`reason`: why there is nothing to draw (the engine's words), written where the grids would be."""
        self.window_ = window
        self.reason = reason
        ok = window is not None and min(window.output_shape) > 0
        self.mask = window.padding_mask() if ok else None
        self.coverage = window.coverage() if ok else None
        self.position = (0, 0)
        self.update()

    def message(self) -> str:
        """What the canvas says when it has no window to draw."""
        if self.reason:
            return f"Nothing to draw: {self.reason}"
        if self.window_ is not None:
            return "Nothing to draw: the window does not fit this input."
        return "Select a Conv2D, MaxPool2D or AvgPool2D layer."

    def set_position(self, row: int, col: int) -> None:
        self.position = (row, col)
        self.update()

    def never_covered(self) -> np.ndarray:
        """(H′, W′) booleans: cells drawn red because no window position reads them."""
        if self.coverage is None:
            return np.zeros((0, 0), dtype=bool)
        return self.coverage == 0

    # -- layout ----------------------------------------------------------------------------------------
    def _areas(self) -> tuple[QRectF, QRectF, bool]:
        """(input area, output area, side by side?) inside the widget.

        Both grids get the same cell size when they fit at a readable size, so one output
        cell looks as large as one input cell; otherwise the space is shared and grids crop.
        """
        w, h = self.width() - 8.0, self.height() - 8.0
        sw = self.window_
        (rin, cin), (rout, cout) = sw.padded_shape, sw.output_shape
        extra = TITLE_H + INDEX_H + FOOT_H
        wide = w >= 1.25 * h
        if wide:
            cell = min((w - GAP - 2 * LABEL_W) / (cin + cout), (h - extra) / max(rin, rout), MAX_CELL)
            left = LABEL_W + cin * cell if cell >= MIN_CELL else (w - GAP) * min(0.72, max(0.5, cin / (cin + cout)))
            return QRectF(4, 4, left, h), QRectF(4 + left + GAP, 4, w - left - GAP, h), True
        cell = min((h - GAP - 2 * extra) / (rin + rout), (w - LABEL_W) / max(cin, cout), MAX_CELL)
        top = extra + rin * cell if cell >= MIN_CELL else (h - GAP) * min(0.68, max(0.5, rin / (rin + rout)))
        return QRectF(4, 4, w, top), QRectF(4, 4 + top + GAP, w, h - top - GAP), False

    def _geometry(self, area: QRectF, shape: tuple[int, int], focus_rows, focus_cols) -> GridGeometry:
        space_w = area.width() - LABEL_W
        space_h = area.height() - TITLE_H - INDEX_H - FOOT_H
        cw, fit_c = cell_size(space_w, shape[1])
        ch, fit_r = cell_size(space_h, shape[0])
        cell = min(cw, ch)
        fit_c = min(shape[1], int(space_w / cell + 1e-6))
        fit_r = min(shape[0], int(space_h / cell + 1e-6))
        rows = visible_range(shape[0], focus_rows, fit_r)
        cols = visible_range(shape[1], focus_cols, fit_c)
        grid_w = (cols[1] - cols[0]) * cell
        x = area.left() + LABEL_W + max(0.0, (space_w - grid_w) / 2)
        return GridGeometry(x, area.top() + TITLE_H + INDEX_H, cell, rows, cols)

    # -- painting ---------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(self.rect(), style.PAPER)
        sw = self.window_
        if sw is None or self.mask is None:
            p.setPen(gp.MUTED)
            p.drawText(self.rect().adjusted(12, 8, -12, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.message())
            return
        in_area, out_area, wide = self._areas()
        row, col = self.position
        taps_r, taps_c = sw.rows.taps[row], sw.cols.taps[col]
        self.input_geometry = self._geometry(in_area, sw.padded_shape, (taps_r[0], taps_r[-1]),
                                             (taps_c[0], taps_c[-1]))
        self.output_geometry = self._geometry(out_area, sw.output_shape, (row, row), (col, col))
        self._paint_input(p, in_area)
        self._paint_output(p, out_area)
        self._paint_arrow(p, in_area, out_area, wide)

    def _caption(self, p: QPainter, area: QRectF, text: str) -> None:
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(gp.TEXT)
        left = area.left() + LABEL_W
        box = QRectF(left, area.top(), max(area.width() - LABEL_W, self.width() - left - 4), TITLE_H)
        text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
        p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.setFont(self.font())

    def _indices(self, p: QPainter, g: GridGeometry) -> None:
        """Row numbers on the left, column numbers on top; every 5th when cells are small."""
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, min(9.0, g.cell * 0.45)))
        p.setFont(font)
        p.setPen(gp.MUTED)
        every = 1 if g.cell >= 18 else 5
        for c in range(*g.cols):
            if c % every == 0 or c == g.cols[0]:
                r = g.rect(g.rows[0], c)
                p.drawText(QRectF(r.left() - 6, g.y - INDEX_H, r.width() + 12, INDEX_H),
                           Qt.AlignmentFlag.AlignCenter, str(c))
        for r in range(*g.rows):
            if r % every == 0 or r == g.rows[0]:
                rect = g.rect(r, g.cols[0])
                p.drawText(QRectF(g.x - LABEL_W, rect.top(), LABEL_W - 4, rect.height()),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(r))
        p.setFont(self.font())

    def _crop_note(self, p: QPainter, g: GridGeometry, shape: tuple[int, int]) -> None:
        if (g.rows[1] - g.rows[0], g.cols[1] - g.cols[0]) == tuple(shape):
            return
        (r0, r1), (c0, c1), (h, w) = g.rows, g.cols, shape
        bottom = g.y + (r1 - r0) * g.cell
        p.setPen(gp.MUTED)
        width = (c1 - c0) * g.cell + LABEL_W
        candidates = [f"rows {r0}–{r1 - 1}, columns {c0}–{c1 - 1} of {h}×{w}",
                      f"rows {r0}–{r1 - 1}, cols {c0}–{c1 - 1} of {h}×{w}", f"{r1 - r0}×{c1 - c0} of {h}×{w} shown"]
        fits = [t for t in candidates if p.fontMetrics().horizontalAdvance(t) <= width]
        text = fits[0] if fits else p.fontMetrics().elidedText(candidates[-1], Qt.TextElideMode.ElideRight, int(width))
        p.drawText(QRectF(g.x - LABEL_W, bottom + 2, width, FOOT_H),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_input(self, p: QPainter, area: QRectF) -> None:
        sw, g = self.window_, self.input_geometry
        pads = (sw.rows.pad, sw.cols.pad)
        padded = any(sum(x) for x in pads)
        self._caption(p, area, f"Padded input {sw.rows.padded}×{sw.cols.padded}" if padded else
                      f"Input {sw.rows.size}×{sw.cols.size}")
        self._indices(p, g)
        never = self.never_covered()
        for r in range(*g.rows):
            for c in range(*g.cols):
                rect = g.rect(r, c)
                pad = bool(self.mask[r, c])
                fill = gp.UNCOVERED if never[r, c] else (gp.PAD if pad else gp.REAL)
                gp.fill_cell(p, rect, fill)
                if pad:
                    gp.hatch(p, rect)
                    gp.cell_text(p, rect, sw.pad_value, gp.MUTED)
        self._paint_real_border(p, g)
        self._paint_taps(p, g)
        self._crop_note(p, g, sw.padded_shape)

    def _paint_real_border(self, p: QPainter, g: GridGeometry) -> None:
        top, left, bottom, right = self.window_.input_region
        r0, r1 = max(top, g.rows[0]), min(bottom, g.rows[1])
        c0, c1 = max(left, g.cols[0]), min(right, g.cols[1])
        if r0 >= r1 or c0 >= c1:
            return
        box = g.rect(r0, c0).united(g.rect(r1 - 1, c1 - 1))
        p.setPen(QPen(style.INPUT_EDGE, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box)

    def _paint_taps(self, p: QPainter, g: GridGeometry) -> None:
        sw = self.window_
        row, col = self.position
        for y, x in sw.cells(row, col):
            if g.rows[0] <= y < g.rows[1] and g.cols[0] <= x < g.cols[1]:
                rect = g.rect(y, x)
                gp.fill_cell(p, rect, gp.TAP, gp.TAP_EDGE, 1.5)
                if self.mask[y, x]:
                    gp.hatch(p, rect, gp.TAP_EDGE)
                    gp.cell_text(p, rect, sw.pad_value)
        taps_r, taps_c = sw.rows.taps[row], sw.cols.taps[col]
        r0, r1 = max(taps_r[0], g.rows[0]), min(taps_r[-1], g.rows[1] - 1)
        c0, c1 = max(taps_c[0], g.cols[0]), min(taps_c[-1], g.cols[1] - 1)
        if r0 <= r1 and c0 <= c1:
            frame = g.rect(r0, c0).united(g.rect(r1, c1)).adjusted(-1.5, -1.5, 1.5, 1.5)
            p.setPen(QPen(gp.FOOTPRINT, 2.5, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(frame)

    def _paint_output(self, p: QPainter, area: QRectF) -> None:
        sw, g = self.window_, self.output_geometry
        oh, ow = sw.output_shape
        self._caption(p, area, f"Output {oh}×{ow}")
        self._indices(p, g)
        row, col = self.position
        current = row * ow + col
        for r in range(*g.rows):
            for c in range(*g.cols):
                index = r * ow + c
                fill = gp.CURRENT if index == current else style.VISITED if index < current else gp.REAL
                gp.fill_cell(p, g.rect(r, c), fill, gp.TAP_EDGE if index == current else gp.GRID,
                             2.0 if index == current else 1.0)
        self._crop_note(p, g, sw.output_shape)

    def _paint_arrow(self, p: QPainter, in_area: QRectF, out_area: QRectF, wide: bool) -> None:
        g = self.output_geometry
        target = g.rect(*self.position).center()
        p.setPen(QPen(gp.FOOTPRINT, 2))
        if wide:
            x0, x1 = in_area.right() + 6, out_area.left() + LABEL_W - 8
            y = target.y()
            p.drawLine(QPointF(x0, y), QPointF(x1, y))
            p.drawLine(QPointF(x1, y), QPointF(x1 - 7, y - 5))
            p.drawLine(QPointF(x1, y), QPointF(x1 - 7, y + 5))
        else:
            y0, y1 = in_area.bottom() + 4, out_area.top() + 4
            x = target.x()
            p.drawLine(QPointF(x, y0), QPointF(x, y1))
            p.drawLine(QPointF(x, y1), QPointF(x - 5, y1 - 7))
            p.drawLine(QPointF(x, y1), QPointF(x + 5, y1 - 7))

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self._tooltip(event.pos().x(), event.pos().y())
            QToolTip.showText(event.globalPos(), text, self) if text else QToolTip.hideText()
            return True
        return super().event(event)

    def _tooltip(self, x: float, y: float) -> str:
        """What the cell under the pointer is: its coordinates, padding or not, how often it is read."""
        if self.input_geometry is None or self.window_ is None:
            return ""
        hit = self.input_geometry.cell_at(x, y)
        if hit is not None:
            r, c = hit
            sw = self.window_
            uses = int(self.coverage[r, c])
            where = (f"padding: holds {sw.pad_value}" if self.mask[r, c] else
                     f"input pixel (row {r - sw.rows.pad[0]}, column {c - sw.cols.pad[0]})")
            read = "never read by any window position" if uses == 0 else f"read by {counted(uses, 'window position')}"
            return f"Padded row {r}, column {c}: {where}; {read}"
        hit = self.output_geometry.cell_at(x, y) if self.output_geometry else None
        if hit is not None:
            return f"Output row {hit[0]}, column {hit[1]}: click to move the window there"
        return ""

    def mousePressEvent(self, event) -> None:
        g = self.output_geometry
        hit = g.cell_at(event.position().x(), event.position().y()) if g else None
        if hit is not None:
            self.output_clicked.emit(*hit)
        super().mousePressEvent(event)
