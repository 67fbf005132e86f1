"""Pictures of class scores: bars for a K×1×1 output, score maps over the input image for K×h×w."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ....engine.explain import ClassScore, ScoreMaps
from ....engine.receptive import Field
from ... import style
from .. import grid_painter as gp
from ..field_image import display_rgb
from ..text import count, esc
from ..wheel import PagePicture

TOP_BARS = 10
ROW_PX = 17  # height of one class's bar row
COLORMAPS = ("viridis", "magma", "inferno", "turbo", "CET-L17")
BEST = -1  # "best class at each place" instead of one class's map
OTHERS = style.MUTED.name()  # the classes past the palette in the best-class picture


def _plot(parent_tip: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setToolTip(parent_tip)
    return plot


class ScoreBars(QWidget):
    """The best classes (all of them when there are few) as horizontal bars on a 0–1 probability axis.

    Horizontal, so each class name sits on its own row however long it is and however many classes
    there are; with 1,000 classes only the top ones could ever be seen, so only they are drawn.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-score-bars")
        self.title = QLabel(objectName="explain-score-bars-title")
        self.plot = _plot("Class scores after softmax: the longest bar is the network's answer")
        self.plot.setLabel("bottom", "probability")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.invertY(True)  # the best class on top
        self.plot.getAxis("bottom").setTicks([[(v, f"{v:g}") for v in (0, 0.25, 0.5, 0.75, 1)]])
        self.plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(style.CHART_TEXT)
        self.items: list = []
        self.ranking: list[ClassScore] = []
        self.classes = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)

    def show_ranking(self, ranking: list[ClassScore]) -> None:
        self.classes = len(ranking)
        self.ranking = ranking[:TOP_BARS]
        shown = len(self.ranking)
        self.title.setText(f"Top {shown} of {count(self.classes)} classes" if shown < self.classes
                           else f"All {shown} classes, most likely first")
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []
        y = np.arange(shown)
        widths = [r.probability for r in self.ranking]
        brushes = [pg.mkBrush(gp.CURRENT if i == 0 else style.BAR) for i in range(shown)]
        bars = pg.BarGraphItem(x0=0, y=y, width=widths, height=0.7, brushes=brushes, pen=pg.mkPen(style.BAR_EDGE))
        self.plot.addItem(bars)
        self.items.append(bars)
        for i, r in enumerate(self.ranking):
            self._label(i, r)
        metrics = QFontMetrics(self.plot.getAxis("left").style["tickFont"] or self.font())
        names = [elide(r.label) for r in self.ranking]
        self.plot.getAxis("left").setTicks([list(enumerate(names))])
        self.plot.getAxis("left").setWidth(max(metrics.horizontalAdvance(n) for n in names) + 14)
        self.plot.setMinimumHeight(ROW_PX * shown + 46)  # a readable row per class, the axis below
        self.plot.setXRange(-0.005, 1.03, padding=0)  # ends at 1 (probabilities), its 0 and 1 labels whole
        self.plot.setYRange(-0.6, shown - 0.4, padding=0)

    def _label(self, i: int, r: ClassScore) -> None:
        """"12.3 % · score 0.57" right of the bar, or inside it when the bar reaches past the middle."""
        inside = r.probability > 0.55
        text = pg.TextItem(f"{100 * r.probability:.1f} % · score {r.score:.3g}".replace("-", "−"),
                           color=(255, 255, 255) if inside else (30, 30, 30), anchor=(1.0 if inside else 0.0, 0.5))
        text.setPos(r.probability - 0.01 if inside else r.probability + 0.01, i)
        self.plot.addItem(text)
        self.items.append(text)

    def shown_names(self) -> list[str]:
        """The class names on the axis, top to bottom."""
        return [text for _, text in self.plot.getAxis("left")._tickLevels[0]]


def elide(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


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
        self.widget = PagePicture()
        self.widget.setBackground("w")
        self.widget.setToolTip("The input image with the score map over it; hover a square to read its scores "
                               "(Ctrl+wheel zooms)")
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
        self.best_legend: list[tuple[list[int], str]] = []  # (classes, colour) of the best-class picture
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
            rgb, self.best_legend = best_class_colours(maps.best[0])
            self.overlay.setImage(rgb, autoLevels=False, levels=(0, 255))
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


def best_class_colours(best: np.ndarray) -> tuple[np.ndarray, list[tuple[list[int], str]]]:
    """An RGB picture of the best class at each place, and its legend: (classes, colour) pairs.

    Only the classes that win somewhere get a colour, those winning most places first, so a
    1,000-class network's picture and legend name the classes actually there; past the palette's
    20 colours the rest share one grey."""
    classes, places = np.unique(best, return_counts=True)
    order = [int(c) for c in classes[np.argsort(-places, kind="stable")]]
    own = len(gp.CATEGORICAL) if len(order) <= len(gp.CATEGORICAL) else len(gp.CATEGORICAL) - 1
    legend = [([c], gp.CATEGORICAL[i]) for i, c in enumerate(order[:own])]
    if order[own:]:
        legend.append((order[own:], OTHERS))
    rgb = np.zeros(best.shape + (3,), np.uint8)
    for members, colour in legend:
        rgb[np.isin(best, members)] = [int(colour[a:a + 2], 16) for a in (1, 3, 5)]
    return rgb, legend


def legend_html(labels: list[str], legend: list[tuple[list[int], str]]) -> str:
    """The best-class legend: one swatch per class shown (a shared one for "N other classes")."""
    names = [esc(labels[m[0]]) if len(m) == 1 else f"{len(m)} other classes" for m, _ in legend]
    return "&nbsp; ".join(f"<span style='color:{colour}; font-size:large'>■</span>&nbsp;{name}"
                          for name, (_, colour) in zip(names, legend))


def distinct_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Three labels on a colour bar (clear of its ends), with just enough digits to tell them apart:
    probabilities on a large image may differ only in their sixth digit."""
    values = lo + (hi - lo) * np.array([0.1, 0.5, 0.9])
    for digits in range(2, 10):
        labels = [f"{v:.{digits}g}" for v in values]
        if all(abs(float(t) - v) <= 0.01 * (hi - lo) for t, v in zip(labels, values)):
            break  # each label within 1% of the bar's range of where it sits (hence also distinct)
    return list(zip(map(float, values), labels))
