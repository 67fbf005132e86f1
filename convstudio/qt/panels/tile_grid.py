"""A grid of titled image tiles painted by one widget: feature-map thumbnails and filters.

One widget painting many small images stays fast for 512 maps where hundreds of views or
scene items would not; only the tiles inside the exposed rectangle are drawn, so it also
scrolls smoothly inside a QScrollArea.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QToolTip, QWidget

from .. import style
from .qimages import to_qimage

PAD = 4        # around each cell's content
SPACING = 6    # between cells
MARGIN = 6     # around the grid


@dataclass
class Tile:
    image: np.ndarray   # (h, w, 3) uint8
    title: str          # one or two lines
    tooltip: str = ""


class TileGrid(QWidget):
    """Tiles in reading order; click (or arrow keys) makes one current and emits its index."""

    tile_clicked = Signal(int)
    contents_changed = Signal()  # the tiles (so the height needed) changed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("tile-grid")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.tiles: list[Tile] = []
        self._images: list[QImage | None] = []
        self.image_size = QSize(64, 64)
        self.current: int | None = None
        self._lines = 1
        self._title_w = 0

    # -- content ----------------------------------------------------------------------------------
    def set_tiles(self, tiles: list[Tile], image_size: QSize, current: int | None = None) -> None:
        """Show `tiles`, each image drawn at `image_size` (nearest-neighbour when enlarged)."""
        self.tiles = tiles
        self._images = [None] * len(tiles)
        self.image_size = QSize(image_size)
        self.current = current if current is not None and 0 <= current < len(tiles) else None
        metrics = QFontMetrics(self.font())
        self._lines = max((t.title.count("\n") + 1 for t in tiles), default=1)
        self._title_w = max((metrics.horizontalAdvance(line) for t in tiles for line in t.title.split("\n")),
                            default=0)
        self.updateGeometry()
        self.update()
        self.contents_changed.emit()

    def set_current(self, index: int | None) -> None:
        if index != self.current:
            self.current = index
            self.update()

    # -- geometry ---------------------------------------------------------------------------------
    def cell_size(self) -> QSize:
        line = QFontMetrics(self.font()).height()
        w = max(self.image_size.width(), self._title_w) + 2 * PAD
        h = self._lines * line + self.image_size.height() + 3 * PAD
        return QSize(w, h)

    def columns(self, width: int | None = None) -> int:
        width = self.width() if width is None else width
        cell = self.cell_size().width() + SPACING
        return max(1, (width - 2 * MARGIN + SPACING) // cell)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = math.ceil(len(self.tiles) / self.columns(width)) if self.tiles else 0
        return 2 * MARGIN + rows * (self.cell_size().height() + SPACING)

    def sizeHint(self) -> QSize:
        cell = self.cell_size()
        width = 2 * MARGIN + min(max(len(self.tiles), 1), 6) * (cell.width() + SPACING)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        cell = self.cell_size()
        return QSize(cell.width() + 2 * MARGIN, min(self.heightForWidth(cell.width() + 2 * MARGIN), 200))

    def cell_rect(self, index: int, columns: int | None = None) -> QRect:
        cols = columns or self.columns()
        cell = self.cell_size()
        r, c = divmod(index, cols)
        return QRect(MARGIN + c * (cell.width() + SPACING), MARGIN + r * (cell.height() + SPACING),
                     cell.width(), cell.height())

    def image_rect(self, index: int, columns: int | None = None) -> QRect:
        cell = self.cell_rect(index, columns)
        line = QFontMetrics(self.font()).height()
        size = self.image_size
        x = cell.x() + (cell.width() - size.width()) // 2
        return QRect(x, cell.y() + PAD + self._lines * line + PAD, size.width(), size.height())

    def index_at(self, pos: QPoint) -> int | None:
        cols = self.columns()
        cell = self.cell_size()
        c = (pos.x() - MARGIN) // (cell.width() + SPACING)
        r = (pos.y() - MARGIN) // (cell.height() + SPACING)
        if c < 0 or r < 0 or c >= cols:
            return None
        index = r * cols + c
        if index < len(self.tiles) and self.cell_rect(index, cols).contains(pos):
            return index
        return None

    # -- painting ---------------------------------------------------------------------------------
    def _image(self, index: int) -> QImage:
        if self._images[index] is None:
            self._images[index] = to_qimage(self.tiles[index].image)
        return self._images[index]

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            self._paint(painter, event.rect(), self.columns(), self.hasFocus())
        finally:
            painter.end()

    def _paint(self, painter: QPainter, exposed: QRect, cols: int, focused: bool = False) -> None:
        if not self.tiles:
            return
        cell = self.cell_size()
        row_h = cell.height() + SPACING
        first = max(0, (exposed.top() - MARGIN) // row_h) * cols
        last = min(len(self.tiles), (exposed.bottom() - MARGIN) // row_h * cols + cols)
        line = QFontMetrics(self.font()).height()
        text = self.palette().color(QPalette.ColorRole.Text)
        for i in range(first, last):
            box = self.cell_rect(i, cols)
            title_rect = QRect(box.x(), box.y() + PAD, box.width(), self._lines * line)
            painter.setPen(text)
            painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self.tiles[i].title)
            target = self.image_rect(i, cols)
            image = self._image(i)
            smooth = image.width() > target.width() or image.height() > target.height()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawImage(target, image)
            if i == self.current:
                pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 3 if focused else 2)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(box.adjusted(1, 1, -1, -1))

    def render_image(self, columns: int | None = None) -> QImage:
        """Every tile at its display size on a white background (for PNG export)."""
        cols = columns or max(1, math.ceil(math.sqrt(len(self.tiles))))
        cell = self.cell_size()
        rows = max(1, math.ceil(len(self.tiles) / cols))
        width = 2 * MARGIN + cols * (cell.width() + SPACING)
        height = 2 * MARGIN + rows * (cell.height() + SPACING)
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(style.WHITE)
        painter = QPainter(image)
        try:
            painter.setFont(self.font())
            self._paint(painter, QRect(0, 0, width, height), cols)
        finally:
            painter.end()
        return image

    # -- interaction ------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        index = self.index_at(event.position().toPoint())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_current(index)
            self.tile_clicked.emit(index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        over = self.index_at(event.position().toPoint()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event) -> None:
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -self.columns(),
                 Qt.Key.Key_Down: self.columns()}
        step = steps.get(event.key())
        if step is None or not self.tiles:
            super().keyPressEvent(event)
            return
        index = min(max((self.current or 0) + step, 0), len(self.tiles) - 1)
        self.set_current(index)
        self.tile_clicked.emit(index)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            index = self.index_at(event.pos())
            if index is not None and self.tiles[index].tooltip:
                QToolTip.showText(event.globalPos(), self.tiles[index].tooltip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)


class GridScroll(QScrollArea):
    """Scrolls a TileGrid vertically, giving it the viewport's width and the height its rows need."""

    def __init__(self, grid: TileGrid, parent=None):
        super().__init__(parent)
        self.grid = grid
        self.setWidget(grid)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        grid.contents_changed.connect(self.fit)

    def fit(self) -> None:
        width = self.viewport().width()
        self.grid.resize(width, max(self.grid.heightForWidth(width), self.viewport().height()))

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return super().viewportEvent(event)

    def ensure_tile_visible(self, index: int) -> None:
        rect = self.grid.cell_rect(index)
        self.ensureVisible(rect.center().x(), rect.center().y(), 0, rect.height() // 2 + 8)
