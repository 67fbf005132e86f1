"""One feature map large: the value under the cursor, a colour scale, a histogram, and pixel picking."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QBoxLayout, QGraphicsRectItem, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .. import style
from . import colormaps

HIST_BINS = 40


def tidy_axis(axis: pg.AxisItem) -> None:
    """Plain numbers (no "×0.001" unit prefix) and fewer labels, so long values never collide."""
    axis.enableAutoSIPrefix(False)
    axis.setStyle(textFillLimits=[(0, 0.6), (2, 0.4), (4, 0.2)])
    axis.setTickDensity(0.7)


class MapAxis(pg.AxisItem):
    """An image axis whose line and numbers stop at the map's edges: with the aspect locked, a wide or tall
    box leaves empty room beside the map, where a row or column number would mean nothing."""

    def __init__(self, orientation: str):
        super().__init__(orientation)
        self.extent: tuple[float, float] | None = None

    def set_extent(self, size: int) -> None:
        self.extent = (0.0, float(size))
        self.picture = None  # drawn again with the new ends
        self.update()

    def tickValues(self, minVal, maxVal, size):
        if self.extent is None or maxVal <= minVal:
            return super().tickValues(minVal, maxVal, size)
        lo, hi = max(minVal, self.extent[0]), min(maxVal, self.extent[1])
        if hi <= lo:
            return []
        # spaced for the map's own length, and only the labelled level: the empty room adds no numbers
        levels = super().tickValues(lo, hi, size * (hi - lo) / (maxVal - minVal))
        return [(spacing, [v for v in values if lo <= v <= hi]) for spacing, values in levels[:1]]

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        vb = self.linkedView()
        if specs is None or self.extent is None or vb is None:
            return specs
        (pen, p1, p2), ticks, texts = specs
        across = self.orientation in ("top", "bottom")
        ends = []
        for v in self.extent:  # the map's edges in the axis's own coordinates
            q = self.mapFromScene(vb.mapViewToScene(QPointF(v, 0) if across else QPointF(0, v)))
            ends.append(q.x() if across else q.y())
        ends.sort()
        if across:
            p1, p2 = QPointF(max(p1.x(), ends[0]), p1.y()), QPointF(min(p2.x(), ends[1]), p2.y())
        else:
            p1, p2 = QPointF(p1.x(), max(p1.y(), ends[0])), QPointF(p2.x(), min(p2.y(), ends[1]))
        return (pen, p1, p2), ticks, texts


class MapView(QWidget):
    pixel_clicked = Signal(int, int)  # row, col of the shown map

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("map-view")
        self.values: np.ndarray | None = None
        self.title = QLabel()
        self.title.setObjectName("map-view-title")
        self.title.setWordWrap(True)
        self.title.setToolTip("The map picked in the grid; values are the layer's raw outputs")
        self.picture = pg.GraphicsLayoutWidget()
        self.picture.setObjectName("map-view-image")
        self.picture.setToolTip("Hover to read a value; click a pixel to pick it (wheel zooms, drag pans)")
        self.picture.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.plot = self.picture.addPlot(axisItems={"bottom": MapAxis("bottom"), "left": MapAxis("left")})
        self.image = pg.ImageItem(axisOrder="row-major")
        self.colorbar = pg.ColorBarItem(colorMap=colormaps.colormap(colormaps.DEFAULT), interactive=False,
                                        width=12, values=(0, 1))
        self.marker = QGraphicsRectItem(0, 0, 1, 1)
        self.readout = QLabel()
        self.readout.setObjectName("map-view-readout")
        self.readout.setToolTip("Row and column count from 0 at the top left, like the arrays")
        self.hist = pg.PlotWidget()
        self.hist.setObjectName("map-view-histogram")
        self.hist.setToolTip("How many pixels of the map have each value; the red line is the picked pixel")
        self.curve = self.hist.plot([0, 1], [0], stepMode="center", fillLevel=0, brush=(80, 120, 200, 120),
                                    pen=pg.mkPen((60, 90, 170), width=1))
        self.pick_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(style.PICK, width=2))
        self._setup_plots()
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.addWidget(self.picture, 3)
        self.body.addWidget(self.hist, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.readout)
        self.clear("Click a map in the grid to see it here.")

    def _setup_plots(self) -> None:
        plot = self.plot
        plot.addItem(self.image)
        plot.invertY(True)
        plot.setAspectLocked(True)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setLabel("left", "row")
        plot.setLabel("bottom", "col")
        self.colorbar.setImageItem(self.image, insert_in=plot)
        pen = QPen(style.PICK, 2)
        pen.setCosmetic(True)
        self.marker.setPen(pen)
        self.marker.setZValue(10)
        self.marker.hide()
        plot.addItem(self.marker)
        self.picture.setBackground("w")
        self.hist.setBackground("w")
        self.hist.setMenuEnabled(False)
        self.hist.setMouseEnabled(False, False)
        self.hist.hideButtons()
        self.hist.setLabel("bottom", "value")
        self.hist.setLabel("left", "pixels")
        self.hist.setMinimumSize(160, 90)
        for axis in ("bottom", "left"):
            tidy_axis(self.hist.getAxis(axis))
            tidy_axis(plot.getAxis(axis))
        self.hist.addItem(self.pick_line)
        self.pick_line.hide()
        self.picture.scene().sigMouseMoved.connect(self._hover)
        self.picture.scene().sigMouseClicked.connect(self._click)

    def resizeEvent(self, event) -> None:
        """Histogram beside the map in a wide area, below it in a tall one."""
        wide = self.width() > 1.6 * self.height()
        self.body.setDirection(QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom)
        self.body.setStretch(0, 3)
        self.body.setStretch(1, 2 if wide else 1)
        super().resizeEvent(event)

    # -- content ---------------------------------------------------------------------------------------
    def show_map(self, title: str, values: np.ndarray, levels: tuple[float, float], cmap: str,
                 keep_view: bool = False) -> None:
        """Show a (H, W) map coloured over `levels` (lo, hi)."""
        self.values = np.asarray(values, dtype=np.float32)
        lo, hi = levels
        if not hi > lo:
            hi = lo + 1.0  # a constant map sits at the colormap's low end, as its thumbnail does
        self.title.setText(title)
        self.image.setImage(self.values, autoLevels=False)
        self.colorbar.setColorMap(colormaps.colormap(cmap))
        self.colorbar.setLevels((lo, hi))
        self.marker.hide()
        self.pick_line.hide()
        self._histogram(lo, hi)
        if not keep_view:
            self.plot.autoRange(padding=0.02)
        h, w = self.values.shape
        self.plot.getAxis("bottom").set_extent(w)
        self.plot.getAxis("left").set_extent(h)
        self.readout.setText(f"{h}×{w} map: hover to read values, click a pixel to pick it")
        self.picture.setEnabled(True)

    def set_colormap(self, cmap: str) -> None:
        self.colorbar.setColorMap(colormaps.colormap(cmap))

    def clear(self, message: str) -> None:
        self.values = None
        self.title.setText(message)
        self.image.clear()
        self.marker.hide()
        self.pick_line.hide()
        self.curve.setData([0, 1], [0])
        self.readout.setText("")

    def _histogram(self, lo: float, hi: float) -> None:
        finite = self.values[np.isfinite(self.values)]
        counts, edges = np.histogram(finite, bins=HIST_BINS, range=(lo, hi))
        self.curve.setData(edges, counts)
        self.hist.enableAutoRange()
        ticks = lo + (hi - lo) * np.array([0.15, 0.5, 0.85])  # three labels, clear of the edges: always fit
        self.hist.getAxis("bottom").setTicks([[(float(v), f"{v:.2g}") for v in ticks]])

    # -- pointer ---------------------------------------------------------------------------------------
    def _pixel_at(self, scene_pos) -> tuple[int, int] | None:
        if self.values is None or not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.plot.vb.mapSceneToView(scene_pos)
        row, col = math.floor(p.y()), math.floor(p.x())
        h, w = self.values.shape
        return (row, col) if 0 <= row < h and 0 <= col < w else None

    def _hover(self, scene_pos) -> None:
        hit = self._pixel_at(scene_pos)
        if hit is not None:
            row, col = hit
            self.readout.setText(f"row {row}, col {col}: <b>{self.values[row, col]:.5g}</b>")

    def _click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self._pixel_at(event.scenePos())
        if hit is not None:
            self.pick(*hit)
            self.pixel_clicked.emit(*hit)

    def pick(self, row: int, col: int) -> None:
        """Mark a pixel and say its value (also used by keyboard-free tests)."""
        self.marker.setRect(QRectF(col, row, 1, 1))
        self.marker.show()
        value = float(self.values[row, col])
        self.pick_line.setValue(value)
        self.pick_line.show()
        self.readout.setText(f"picked row {row}, col {col}: <b>{value:.5g}</b>")
