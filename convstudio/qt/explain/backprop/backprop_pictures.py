"""The Backprop tab's pictures: rows of small maps (signed gradients on a blue–white–red scale with
0 in the middle, 0/1 masks in gray), the per-class loss gradient, and one pooling window's routing
drawn on the Sliding Window tab's canvas."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ....engine.explain.backprop import LossGradient, WindowRoute
from ...panels import colormaps
from ...panels.gradient_tiles import symmetric_limit
from ...panels.qimages import to_qimage
from ... import style
from .. import grid_painter as gp
from ....engine.explain.crop import visible_range
from ..window.window_canvas import LABEL_W, GridGeometry, WindowCanvas

CAPTION_H = 34.0  # under each map: its colour scale, up to two lines
BAR_W = 10.0
VALUE_CELL = 36.0  # large enough to write a value in: the routing picture zooms in around the window


@dataclass
class Panel:
    title: str
    values: np.ndarray   # (h, w)
    kind: str = "signed"  # "signed": ±max|v| diverging; "mask": 0 black … 1 white; "values": viridis
    limit: float | None = None  # a signed panel's scale when several panels share one


def panel_rgb(panel: Panel) -> tuple[np.ndarray, str]:
    """Coloured pixels of a panel and the caption of its colour scale."""
    v = np.nan_to_num(np.asarray(panel.values, dtype=np.float32))
    if panel.kind == "signed":
        m = panel.limit or symmetric_limit(v)
        return colormaps.apply(0.5 + v / (2 * m), colormaps.DIVERGING), f"±{m:.3g}, 0 white"
    if panel.kind == "mask":
        return colormaps.apply(v, "gray"), "black 0, white 1"
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else 1.0
    return colormaps.apply((v - lo) / span, colormaps.DEFAULT), f"{lo:.3g} … {hi:.3g}"


def wrapped(vector: np.ndarray) -> np.ndarray:
    """A long vector as a near-square block, row by row (NaN fills the last row): readable at any length."""
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    cols = max(1, int(np.ceil(np.sqrt(v.size))))
    out = np.full(-(-v.size // cols) * cols, np.nan, np.float32)
    out[:v.size] = v
    return out.reshape(-1, cols)


class MapStrip(QWidget):
    """Maps side by side (or wrapped), each with its title above and its colour range below."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("backprop-maps")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 150)
        self.panels: list[Panel] = []
        self._cache: list = []
        self._title = CAPTION_H
        self._column = 0.0

    def sizeHint(self) -> QSize:
        return QSize(560, 300)

    def set_panels(self, panels: list[Panel]) -> None:
        self.panels = panels
        self._cache = [(to_qimage(np.ascontiguousarray(rgb)), caption) for rgb, caption in map(panel_rgb, panels)]
        self.update()

    def _title_h(self, width: float) -> float:
        """Room above each map for its title, wrapped at the map's width (at most three lines)."""
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetrics(bold)
        box = QRect(0, 0, max(int(width) + 8, 40), 1000)
        tallest = max((fm.boundingRect(box, Qt.TextFlag.TextWordWrap, p.title).height() for p in self.panels),
                      default=fm.height())
        return min(tallest, 3 * fm.height()) + 4

    def layout_cells(self) -> list[QRectF]:
        """Where each map's picture goes: one row when they fit, two rows otherwise."""
        n = len(self.panels)
        if not n:
            return []
        w, h = self.width() - 8.0, self.height() - 8.0
        best = None
        for rows in (1, 2):
            cols = -(-n // rows)
            width = (w - (cols - 1) * 12) / cols
            title = self._title_h(width)
            cell = min(width, (h - rows * (title + CAPTION_H)) / rows)
            if best is None or cell > best[0]:
                best = (cell, rows, cols, title, width)
        cell, rows, cols, title, self._column = best
        self._title = title
        out = []
        for i, p in enumerate(self.panels):
            r, c = divmod(i, cols)
            ph, pw = p.values.shape
            scale = max(cell, 10.0) / max(ph, pw)
            x = 4 + c * (self._column + 12)
            y = 4 + title + r * (cell + title + CAPTION_H)
            thin = min(cell * 0.3, 48.0)  # a vector or a wide matrix still gets a readable band
            out.append(QRectF(x, y, max(pw * scale, min(thin, 24.0)), max(ph * scale, thin)))
        return out

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), style.PAPER)
        cells = self.layout_cells()
        width = self._column
        for panel, (image, caption), rect in zip(self.panels, self._cache, cells):
            p.setPen(gp.TEXT)
            bold = QFont(self.font())
            bold.setBold(True)
            p.setFont(bold)
            top = QRectF(rect.left(), rect.top() - self._title, width + 8, self._title - 2)
            p.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap,
                       panel.title)
            p.setFont(self.font())
            p.drawImage(rect, image)
            p.setPen(QPen(gp.GRID, 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            p.setPen(gp.MUTED)
            p.drawText(QRectF(rect.left(), rect.bottom() + 2, width + 8, CAPTION_H - 2),
                       Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap, caption)
        p.end()


class LossBars(QWidget):
    """One row per class: its probability, the one-hot target, and dL/dlogit = p − t as a signed bar."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("backprop-loss-bars")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 120)
        self.loss: LossGradient | None = None
        self.names: list[str] = []

    def sizeHint(self) -> QSize:
        return QSize(560, 260)

    def set_loss(self, loss: LossGradient, names: list[str]) -> None:
        self.loss, self.names = loss, names
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), style.PAPER)
        if self.loss is None:
            return p.end()
        k = len(self.names)
        shown = min(k, 20)
        order = np.argsort(-np.abs(self.loss.engine), kind="stable")[:shown] if k > shown else np.arange(k)
        row = max(14.0, min(34.0, (self.height() - 30.0) / max(shown, 1)))
        name_w = min(160.0, max(p.fontMetrics().horizontalAdvance(n) for n in self.names) + 10)
        half = (self.width() - name_w - 250) / 2
        mid = name_w + 250 + half
        p.setPen(gp.MUTED)
        p.drawText(QRectF(name_w, 2, 250, 20), Qt.AlignmentFlag.AlignLeft, "p   −  target  =  dL/dlogit")
        scale = max(float(np.max(np.abs(self.loss.engine))), 1e-12)
        for i, c in enumerate(order):
            y = 24 + i * row
            p.setPen(gp.TEXT)
            p.drawText(QRectF(0, y, name_w - 6, row), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       self.names[c])
            t = int(self.loss.onehot[c])
            text = f"{self.loss.probabilities[c]:.3f}  −  {t}  =  {self.loss.engine[c]:+.3f}".replace("-", "−")
            p.drawText(QRectF(name_w, y, 250, row), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            v = float(self.loss.engine[c])
            length = half * abs(v) / scale
            bar = QRectF(mid, y + 3, length, row - 6) if v >= 0 else QRectF(mid - length, y + 3, length, row - 6)
            p.fillRect(bar, gp.heat(v, scale))
        p.setPen(QPen(gp.GRID, 1))
        p.drawLine(int(mid), 22, int(mid), int(24 + shown * row))
        p.end()


class RouteCanvas(WindowCanvas):
    """The Sliding Window picture of a pooling layer with one window's input values written in,
    the cell backward sends the gradient to framed in green (the arg-max, for a max pool)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("backprop-route-canvas")
        self.route: WindowRoute | None = None

    def set_route(self, route: WindowRoute | None) -> None:
        if route is None:
            self.route = None
            self.set_window(None)
            return
        if self.window_ is not route.window:
            self.set_window(route.window)
        self.route = route
        self.set_position(route.row, route.col)

    def _geometry(self, area, shape, focus_rows, focus_cols) -> GridGeometry:
        """As the Sliding Window tab, but zoomed in around the window so its values can be written."""
        g = super()._geometry(area, shape, focus_rows, focus_cols)
        if g.cell >= VALUE_CELL or self.route is None:
            return g
        cell = VALUE_CELL
        rows = visible_range(shape[0], focus_rows, int((g.rows[1] - g.rows[0]) * g.cell / cell))
        cols = visible_range(shape[1], focus_cols, int((g.cols[1] - g.cols[0]) * g.cell / cell))
        space_w = area.width() - LABEL_W
        x = area.left() + LABEL_W + max(0.0, (space_w - (cols[1] - cols[0]) * cell) / 2)
        return GridGeometry(x, g.y, cell, rows, cols)

    def _paint_taps(self, p: QPainter, g) -> None:
        super()._paint_taps(p, g)
        r = self.route
        if r is None:
            return
        for i, (y, x) in enumerate(r.cells):
            if not (g.rows[0] <= y < g.rows[1] and g.cols[0] <= x < g.cols[1]):
                continue
            rect = g.rect(y, x)
            v = r.values.flat[i]
            if np.isfinite(v):
                gp.cell_text(p, rect, f"{v:.3g}".replace("-", "−"))
            if r.share.flat[i] != 0 or (y, x) == r.argmax:
                p.setPen(QPen(style.OK_TEXT, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(rect.adjusted(1.5, 1.5, -1.5, -1.5))

    def _paint_output(self, p: QPainter, area) -> None:
        super()._paint_output(p, area)
        if self.route is not None and self.output_geometry is not None:
            g = self.output_geometry
            rect = g.rect(self.route.row, self.route.col)
            if g.rows[0] <= self.route.row < g.rows[1] and g.cols[0] <= self.route.col < g.cols[1]:
                gp.cell_text(p, rect, f"{self.route.g:.1e}".replace("-", "−"))
