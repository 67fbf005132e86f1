"""Pictures of class scores: bars for a K×1×1 output, score maps over the input image for K×h×w."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...engine.explain import ClassScore, ScoreMaps
from ...engine.receptive import Field
from .. import style
from . import grid_painter as gp
from .field_image import display_rgb

TOP_BARS = 10
COLORMAPS = ("viridis", "magma", "inferno", "turbo", "CET-L17")
BEST = -1  # "best class at each place" instead of one class's map


def _plot(parent_tip: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setToolTip(parent_tip)
    return plot


class ScoreBars(QWidget):
    """One bar per class (the 10 best when there are more), labelled with class and probability."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-score-bars")
        self.plot = _plot("Class scores after softmax: the tallest bar is the network's answer")
        self.plot.setLabel("left", "probability")
        self.plot.setMouseEnabled(x=False, y=False)
        self.items: list = []
        self.ranking: list[ClassScore] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_ranking(self, ranking: list[ClassScore]) -> None:
        self.ranking = ranking[:TOP_BARS]
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        x = np.arange(len(self.ranking))
        heights = [r.probability for r in self.ranking]
        brushes = [pg.mkBrush(gp.CURRENT if i == 0 else style.BAR) for i in range(len(self.ranking))]
        bars = pg.BarGraphItem(x=x, height=heights, width=0.7, brushes=brushes, pen=pg.mkPen(style.BAR_EDGE))
        self.plot.addItem(bars)
        self.items.append(bars)
        for i, r in enumerate(self.ranking):
            text = pg.TextItem(f"{100 * r.probability:.1f} %\nscore {r.score:.3g}".replace("-", "−"),
                               color=(30, 30, 30), anchor=(0.5, 1.0))
            text.setPos(i, r.probability)
            self.plot.addItem(text)
            self.items.append(text)
        self.plot.getAxis("bottom").setTicks([[(i, r.label) for i, r in enumerate(self.ranking)]])
        self.plot.setXRange(-0.6, len(self.ranking) - 0.4, padding=0)
        self.plot.setYRange(0, 1.18, padding=0)


def map_rect(field: Field | None, size: tuple[int, int], image_shape: tuple[int, int]) -> QRectF:
    """Where an h×w score map sits on the input: square (i, j) centred on its window's centre."""
    h, w = size
    if field is None or field.whole:
        return QRectF(0, 0, image_shape[1], image_shape[0])
    (sy, sx), (jy, jx) = field.start, field.jump
    return QRectF(sx - jx / 2 + 0.5, sy - jy / 2 + 0.5, w * jx, h * jy)


class ScoreMapView(QWidget):
    """The input image with one class's score map (or the best class at each place) laid over it."""

    hovered = Signal(int, int)  # row, col of the score map under the pointer

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-score-map")
        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground("w")
        self.widget.setToolTip("The input image with the score map over it; hover a square to read its scores")
        self.plot = self.widget.addPlot()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for axis in ("bottom", "left"):
            self.plot.hideAxis(axis)
        self.photo = pg.ImageItem(axisOrder="row-major")
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.photo)
        self.plot.addItem(self.overlay)
        self.colorbar = pg.ColorBarItem(values=(0, 1), width=12, interactive=False,
                                        colorMap=pg.colormap.get("viridis"))
        self.colorbar.setImageItem(self.overlay, insert_in=self.plot)
        self.colorbar.axis.setTextPen(style.CHART_TEXT)
        self.maps: ScoreMaps | None = None
        self.rect = QRectF()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget)
        self.plot.scene().sigMouseMoved.connect(self._on_move)

    def show_maps(self, image: np.ndarray | None, maps: ScoreMaps, field: Field | None, choice: int,
                  opacity: float, cmap: str, probabilities: bool) -> None:
        self.maps = maps
        shape = maps.map_size if image is None else image.shape[1:]
        if image is not None:
            self.photo.setImage(display_rgb(image), autoLevels=False, levels=(0, 255))
            self.photo.setRect(QRectF(0, 0, shape[1], shape[0]))
        self.rect = map_rect(field, maps.map_size, shape)
        if choice == BEST:
            table = np.array([[int(c[a:a + 2], 16) for a in (1, 3, 5)] for c in gp.CATEGORICAL], dtype=np.uint8)
            self.overlay.setImage(table[maps.best[0] % len(table)], autoLevels=False, levels=(0, 255))
            self.overlay.setLookupTable(None)
            self.colorbar.setVisible(False)
        else:
            values = (maps.probabilities if probabilities else maps.scores)[0, choice]
            lo, hi = float(values.min()), float(values.max())
            levels = (lo, hi if hi > lo else lo + 1e-6)  # the map's own range: where this class scores higher
            self.colorbar.setColorMap(pg.colormap.get(cmap))
            self.colorbar.setLevels(levels)
            ticks = distinct_ticks(*levels)
            self.colorbar.axis.setTicks([ticks, []])
            metrics = QFontMetrics(self.colorbar.axis.style["tickFont"] or self.font())
            self.colorbar.axis.setWidth(max(metrics.horizontalAdvance(t) for _, t in ticks) + 16)
            self.overlay.setImage(values.astype(np.float32), autoLevels=False, levels=levels)
            self.overlay.setLookupTable(pg.colormap.get(cmap).getLookupTable(nPts=256))
            self.colorbar.setVisible(True)
        self.overlay.setRect(self.rect)
        self.overlay.setOpacity(opacity)
        self.plot.setRange(QRectF(0, 0, shape[1], shape[0]), padding=0.02)

    def place_at(self, x: float, y: float) -> tuple[int, int] | None:
        if self.maps is None or not self.rect.contains(x, y):
            return None
        h, w = self.maps.map_size
        r = int((y - self.rect.top()) / self.rect.height() * h)
        c = int((x - self.rect.left()) / self.rect.width() * w)
        return (min(r, h - 1), min(c, w - 1))

    def _on_move(self, pos) -> None:
        point = self.plot.vb.mapSceneToView(pos)
        hit = self.place_at(point.x(), point.y())
        if hit is not None:
            self.hovered.emit(*hit)


def legend_html(labels: list[str]) -> str:
    shown = labels[:len(gp.CATEGORICAL)]
    return "&nbsp; ".join(f"<span style='color:{gp.CATEGORICAL[i]}; font-size:large'>■</span>&nbsp;{name}"
                          for i, name in enumerate(shown))


def distinct_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Three labels on a colour bar (clear of its ends), with just enough digits to tell them apart:
    probabilities on a large image may differ only in their sixth digit."""
    values = lo + (hi - lo) * np.array([0.1, 0.5, 0.9])
    for digits in range(2, 10):
        labels = [f"{v:.{digits}g}" for v in values]
        if all(abs(float(t) - v) <= 0.01 * (hi - lo) for t, v in zip(labels, values)):
            break  # each label within 1% of the bar's range of where it sits (hence also distinct)
    return list(zip(map(float, values), labels))
