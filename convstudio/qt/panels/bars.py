"""Flat outputs (Dense, Softmax, C×1×1 maps) as bars, with the largest entries labelled."""
from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ...engine.gradients import logit_node, output_node
from ...errors import ConvStudioError
from .. import style
from .map_view import tidy_axis

TOP_K = 5
LABEL_ALL_UP_TO = 16


def class_names_for(net, node_id: str | None) -> list[str] | None:
    """The network's class names for its output layer (and the logits before a final Softmax), else None."""
    if not net.labels or node_id is None:
        return None
    try:
        head = output_node(net)
        return list(net.labels) if node_id in (head, logit_node(net, head)) else None
    except ConvStudioError:
        return None


def top_k(values: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """Indices of the k largest values, largest first (ties: lower index first)."""
    order = np.argsort(-values, kind="stable")
    return order[:min(k, values.size)]


def label_groups(entries: list[tuple[float, str]], width: Callable[[str], float], gap: float = 4.0) -> list[list[int]]:
    """Which labels share one: entries are (x in pixels, text); neighbours whose labels would overlap are merged
    into one label ("544, 545, 557") centred on them, again and again until no two labels touch.

    Returns groups of entry indices, left to right, each in x order."""
    groups = [[i] for i in sorted(range(len(entries)), key=lambda i: entries[i][0])]

    def extent(group: list[int]) -> tuple[float, float]:
        centre = sum(entries[i][0] for i in group) / len(group)
        half = width(group_text(entries, group)) / 2
        return centre - half, centre + half

    g = 0
    while g < len(groups) - 1:
        if extent(groups[g])[1] + gap > extent(groups[g + 1])[0]:
            groups[g:g + 2] = [groups[g] + groups[g + 1]]
            g = max(0, g - 1)  # the wider label may now reach its left neighbour
        else:
            g += 1
    return groups


def group_text(entries: list[tuple[float, str]], group: list[int]) -> str:
    return ", ".join(entries[i][1] for i in group)


class BarChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("bar-chart")
        self.values = np.zeros(0, np.float32)
        self.top = np.zeros(0, np.intp)
        self.names: list[str] | None = None  # class names, one per value, when the values are class scores
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("bar-plot")
        self.plot.setBackground("w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "index")
        self.plot.setLabel("left", "value")
        for axis in ("bottom", "left"):
            tidy_axis(self.plot.getAxis(axis))
        self.plot.setToolTip("One bar per output value; the largest are orange and labelled with their index")
        self.bars: pg.BarGraphItem | None = None
        self.plot.plotItem.vb.sigResized.connect(self._on_resized)
        self.labels: list[pg.TextItem] = []
        self.ranking = QLabel()
        self.ranking.setObjectName("bar-ranking")
        self.ranking.setTextFormat(Qt.TextFormat.RichText)
        self.ranking.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.ranking.setToolTip("The largest values: for a classifier, its top guesses (class index: score)")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.plot, 1)
        row.addWidget(self.ranking)

    def show_values(self, values: np.ndarray, names: list[str] | None = None) -> None:
        """Bars for `values`; `names` (one per value, e.g. the network's class names) label them."""
        self.values = np.asarray(values, dtype=np.float32).reshape(-1)
        self.names = list(names) if names is not None and len(names) == self.values.size else None
        self.top = top_k(self.values)
        self._draw_bars()
        self._frame()
        self._draw_labels()
        self.ranking.setText(self._ranking_html())

    def highlighted(self) -> np.ndarray:
        """The orange bars: the top k, or only the largest when there are few values (the guess)."""
        return self.top if self.values.size > 2 * TOP_K else self.top[:1]

    def _frame(self) -> None:
        """Whole-number index ticks for short outputs; room above and below for the labels."""
        n = self.values.size
        axis = self.plot.getAxis("bottom")
        axis.setTicks([[(i, self.name(i)) for i in range(n)]] if n <= LABEL_ALL_UP_TO else None)
        self.plot.setLabel("bottom", "class" if self.names else "index")
        lo, hi = min(0.0, float(self.values.min(initial=0))), max(0.0, float(self.values.max(initial=0)))
        span = (hi - lo) or 1.0
        pad, edge = 0.15 * span, 0.05 * span  # room for value labels; a sliver at 0 so its tick label is whole
        self.plot.setXRange(-0.7, n - 0.3, padding=0)
        self.plot.setYRange(lo - (pad if lo < 0 else edge), hi + (pad if hi > 0 else edge), padding=0)

    def _draw_bars(self) -> None:
        if self.bars is not None:
            self.plot.removeItem(self.bars)
        n = self.values.size
        brushes = [pg.mkBrush(style.BAR)] * n
        for i in self.highlighted():
            brushes[i] = pg.mkBrush(style.TOP)
        self.bars = pg.BarGraphItem(x=np.arange(n), height=self.values, width=0.8 if n < 200 else 1.0,
                                    brushes=brushes, pen=None if n >= 200 else pg.mkPen(style.BAR.darker(130)))
        self.plot.addItem(self.bars)

    def _draw_labels(self) -> None:
        """Each value written on its bar for short outputs; else the top entries' names, those whose bars
        are too close for separate labels sharing one (Flatten's top 5 are often neighbours)."""
        for item in self.labels:
            self.plot.removeItem(item)
        self.labels = []
        n = self.values.size
        if n <= LABEL_ALL_UP_TO:
            for i in range(n):
                self._label(f"{float(self.values[i]):.3g}", i, float(self.values[i]))
            return
        vb = self.plot.plotItem.vb
        (x0, x1), _ = vb.viewRange()
        px = max(vb.width(), 1.0) / max(x1 - x0, 1e-9)
        metrics = QFontMetricsF(self.font())
        entries = [(float(i) * px, self.name(int(i))) for i in self.top]
        for group in label_groups(entries, lambda t: metrics.horizontalAdvance(t) + 6):
            where = [int(self.top[g]) for g in group]
            self._label(group_text(entries, group), sum(where) / len(where), float(self.values[where].max()))

    def _label(self, text: str, x: float, v: float) -> None:
        item = pg.TextItem(text, color=(40, 40, 40), anchor=(0.5, 1.0 if v >= 0 else 0.0))
        item.setFont(self.font())
        item.setPos(x, v)
        self.plot.addItem(item)
        self.labels.append(item)

    def _on_resized(self) -> None:
        if self.values.size > LABEL_ALL_UP_TO:  # how close the bars are on screen changed
            self._draw_labels()

    def name(self, i: int) -> str:
        return self.names[i] if self.names else str(i)

    def _ranking_html(self) -> str:
        rows = "".join(f"<tr><td>{r}.</td><td align='right'>{html.escape(self._entry(int(i)))}</td><td align='right'>"
                       f"&nbsp;{self.values[i]:.4g}</td></tr>" for r, i in enumerate(self.top, 1))
        return f"<b>Top {len(self.top)}</b> of {self.values.size}<table cellspacing='2'>{rows}</table>"

    def _entry(self, i: int) -> str:
        return self.names[i] if self.names else f"#{i}"
