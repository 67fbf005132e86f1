"""Live training charts (pyqtgraph): loss and accuracy, and each layer's gradient and update sizes.

Points arrive in parcels of batch events; each chart keeps plain lists and redraws its lines
once per parcel, so the window stays responsive however fast the batches are.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...engine.training import BatchEvent, EpochRecord
from ..panels.map_view import tidy_axis

from ..style import CHART_TEXT, LAYER_COLOURS, TRAIN, VAL
RAW = (31, 119, 180, 60)
LAYERS_PER_DRAW = 2  # new layers' lines made per draw of the gradient chart


def _plot(title: str, left: str, tip: str, log_y: bool = False) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setTitle(title, color=CHART_TEXT, size="10pt")
    plot.setLabel("left", left)
    plot.setLabel("bottom", "batch")
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setLogMode(False, log_y)
    for axis in ("left", "bottom"):
        tidy_axis(plot.getAxis(axis))
    plot.setToolTip(tip)
    plot.setMinimumHeight(120)
    return plot


def show_span(plot: pg.PlotWidget, span: int, shown: int) -> int:
    """The batch axis spans the whole training from the start (returns the span shown).

    The learner sees how far it has gone, and the axis is not redrawn at every batch, as it would
    be if it followed the data.
    """
    if span and span != shown:
        plot.setXRange(0, span, padding=0.02)
    return span or shown


def _legend(plot: pg.PlotWidget) -> pg.LegendItem:
    legend = plot.addLegend(offset=(-6, 6), labelTextSize="8pt", verSpacing=-6)
    legend.setBrush(pg.mkBrush(255, 255, 255, 200))
    return legend


class CurvesChart(QWidget):
    """Training loss and accuracy per batch (raw faint, smoothed bold) and validation per epoch."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("train-curves")
        self.loss_plot = _plot("Loss", "cross-entropy",
                               "Training loss of every batch (faint) and smoothed (bold); validation loss after "
                               "each epoch (orange dots). Falling lines: the network is learning.")
        self.acc_plot = _plot("Accuracy", "fraction right",
                              "Share of images classified right: training batches (smoothed) and the validation "
                              "set after each epoch (orange dots)")
        self.acc_plot.setYRange(0, 1.02, padding=0)
        self.acc_plot.setXLink(self.loss_plot)
        key = (f" — <span style='color:{TRAIN}'>training (smoothed)</span> · "
               f"<span style='color:{VAL}'>● validation</span>")
        self.loss_plot.setTitle("Loss" + key, color=CHART_TEXT, size="9pt")
        self.acc_plot.setTitle("Accuracy" + key, color=CHART_TEXT, size="9pt")
        self.loss_raw = self.loss_plot.plot(pen=pg.mkPen(RAW, width=1))
        self.loss_line = self.loss_plot.plot(pen=pg.mkPen(TRAIN, width=2))
        self.loss_val = self.loss_plot.plot(pen=pg.mkPen(VAL, width=1.5), symbol="o", symbolSize=6, symbolBrush=VAL)
        self.acc_line = self.acc_plot.plot(pen=pg.mkPen(TRAIN, width=2))
        self.acc_val = self.acc_plot.plot(pen=pg.mkPen(VAL, width=1.5), symbol="o", symbolSize=6, symbolBrush=VAL)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.acc_plot)
        self.clear()

    def clear(self) -> None:
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.accuracies: list[float] = []
        self.smoothed_acc: list[float] = []
        self.val_steps: list[int] = []
        self.val_losses: list[float] = []
        self.val_accuracies: list[float] = []
        self.span = self.shown_span = 0
        self.draw()

    def add_events(self, events: list[BatchEvent], draw: bool = True) -> None:
        if events:
            self.span = events[-1].total_steps
        for e in events:
            self.steps.append(e.step)
            self.losses.append(e.loss)
            self.smoothed.append(e.smoothed_loss)
            self.accuracies.append(e.accuracy)
            last = self.smoothed_acc[-1] if self.smoothed_acc else e.accuracy
            self.smoothed_acc.append(0.9 * last + 0.1 * e.accuracy)
        if events and draw:
            self.draw()

    def add_epoch(self, record: EpochRecord, step: int, draw: bool = True) -> None:
        self.val_steps.append(step)
        self.val_losses.append(record.val_loss)
        self.val_accuracies.append(record.val_accuracy)
        if draw:
            self.draw()

    def draw(self) -> None:
        self.shown_span = show_span(self.loss_plot, self.span, self.shown_span)
        x = np.asarray(self.steps, float)
        self.loss_raw.setData(x, np.asarray(self.losses, float))
        self.loss_line.setData(x, np.asarray(self.smoothed, float))
        self.acc_line.setData(x, np.asarray(self.smoothed_acc, float))
        vx = np.asarray(self.val_steps, float)
        self.loss_val.setData(vx, np.asarray(self.val_losses, float))
        self.acc_val.setData(vx, np.asarray(self.val_accuracies, float))


class GradientChart(QWidget):
    """‖dL/dW‖ and ‖Δw‖/‖w‖ per layer over training, on log scales: vanishing or exploding gradients show."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("train-gradients")
        self.grad_plot = _plot("Gradient size ‖dL/dW‖ per layer", "‖dL/dW‖ (log)",
                               "How large each layer's weight gradient is at every batch. Lines falling by "
                               "orders of magnitude towards the first layers: vanishing gradients; lines "
                               "shooting up: exploding gradients.", log_y=True)
        self.ratio_plot = _plot("Update size ‖Δw‖/‖w‖ per layer", "‖Δw‖/‖w‖ (log)",
                                "How much one step changes each layer's weights, relative to their size. "
                                "Around 10⁻³ is healthy; far below, the layer hardly learns; near 1, the "
                                "learning rate is too high.", log_y=True)
        self.ratio_plot.setXLink(self.grad_plot)
        self.grad_legend = _legend(self.grad_plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grad_plot)
        layout.addWidget(self.ratio_plot)
        self.clear()

    def clear(self) -> None:
        self.grad_plot.clear()
        self.ratio_plot.clear()
        self.grad_legend.clear()
        self.steps: list[int] = []
        self.grads: dict[str, list[float]] = {}
        self.ratios: dict[str, list[float]] = {}
        self.lines: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.span = self.shown_span = 0

    def add_events(self, events: list[BatchEvent], draw: bool = True) -> None:
        if events:
            self.span = events[-1].total_steps
        for e in events:
            self.steps.append(e.step)
            for nid in e.grad_norms:
                if nid not in self.grads:
                    self.grads[nid] = [math.nan] * (len(self.steps) - 1)
                    self.ratios[nid] = [math.nan] * (len(self.steps) - 1)
            for nid in self.grads:
                self.grads[nid].append(_positive(e.grad_norms.get(nid)))
                self.ratios[nid].append(_positive(e.update_ratios.get(nid)))
        if events and draw:
            self.draw()

    def draw(self) -> bool:
        """Update the lines; False while some layers still wait for theirs (draw again soon).

        A new layer's two lines and legend entry take ~10 ms to make, so a deep network's
        layers are added a few per draw and the window never freezes at the first batches.
        """
        self.shown_span = show_span(self.grad_plot, self.span, self.shown_span)
        for nid in [n for n in self.grads if n not in self.lines][:LAYERS_PER_DRAW]:
            self._add_layer(nid)
        x = np.asarray(self.steps, float)
        for nid, (g, r) in self.lines.items():
            g.setData(x, np.asarray(self.grads[nid], float))
            r.setData(x, np.asarray(self.ratios[nid], float))
        return len(self.lines) == len(self.grads)

    def _add_layer(self, nid: str) -> None:
        pen = pg.mkPen(LAYER_COLOURS[len(self.lines) % len(LAYER_COLOURS)], width=1.5)
        self.lines[nid] = (self.grad_plot.plot(pen=pen, name=nid, connect="finite"),
                           self.ratio_plot.plot(pen=pen, connect="finite"))


def _positive(value: float | None) -> float:
    """Log scales cannot show 0 or a missing value: those become gaps."""
    return float(value) if value is not None and value > 0 and math.isfinite(value) else math.nan
