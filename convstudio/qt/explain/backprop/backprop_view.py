"""View 6 — Backprop: where the gradient goes through the selected layer, on the user's own network and image.

The numbers come from the panels' GradientSource (one `gradients()` pass in the background,
for the image shown and a target class) and from the selected layer's own backward; the view
picks its account by what the layer can do (elementwise, sliding max or mean, filters, fully
connected, or the layer the loss reads), never by its type name.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ....engine.explain import backprop as bp
from ....engine.gradients import logit_node, output_node
from ....errors import ConvStudioError
from ...messages import guarded
from ...panels.lazy import FollowsWhenShown
from ....graph.selection import pick_node
from .backprop_pictures import LossBars, MapStrip, Panel, RouteCanvas, wrapped
from .backprop_step import StepBox
from .backprop_text import conv_html, dense_html, elementwise_html, loss_html, other_html, pool_html
from ..controls import column_of, explain_page, follow_shape, labelled, rich_label, row_of, scrolled, show_text, spin
from ..text import esc

MODES = {"loss": "Loss → scores (softmax cross-entropy)", "elementwise": "This layer (elementwise)",
         "max": "This layer (max pooling)", "mean": "This layer (average pooling)",
         "conv": "This layer (Conv2D filters)", "dense": "This layer (fully connected)", "other": "This layer"}


def modes_for(net, node_id: str) -> list[str]:
    """The accounts that fit a layer, by capability (the loss first for the layer the loss reads)."""
    node = net.node(node_id)
    d = node.decl
    found = []
    try:
        head = output_node(net)
        if node_id in (head, logit_node(net, head)):
            found.append("loss")
    except ConvStudioError:
        pass
    if node.decl.is_input:
        return found
    kind = ("elementwise" if d.elementwise else d.sliding if d.sliding in ("max", "mean") else
            "conv" if d.has_filters and not d.transposed else "dense" if d.fully_connected else "other")
    if not (found and d.outputs_probabilities):
        found.append(kind)
    return found


def class_names(net, count: int) -> list[str]:
    labels = list(net.labels)
    return [labels[i] if i < len(labels) else f"class {i}" for i in range(count)]


class BackpropView(FollowsWhenShown, QWidget):
    def __init__(self, doc, gradients=None, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-backprop-view")
        self.doc, self.gradients = doc, gradients
        self.node_id: str | None = None
        self.run: bp.GradientRun | None = None
        self.numbers: dict = {}  # what is shown, for tests: the arrays behind the picture and text
        self._placed_for: str | None = None  # the pooling layer whose window was put where the gradient is
        self._build()
        doc.changed.connect(self._on_doc_changed)
        if gradients is not None:
            gradients.changed.connect(self.follow)  # redrawn now if on screen, else when shown
        self.show_selection([])

    # -- widgets --------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = rich_label("backprop-header")
        self.target = QComboBox(objectName="backprop-target",
                                toolTip="The class whose loss is backpropagated (the right answer for this image)")
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mode = QComboBox(objectName="backprop-mode", toolTip="What to explain for the selected layer")
        self.spins = {"channel": spin("backprop-channel", "Channel of the output value", 0, 0, 0),
                      "row": spin("backprop-row", "Output row", 0, 0, 0),
                      "col": spin("backprop-col", "Output column", 0, 0, 0),
                      "filter": spin("backprop-filter", "Filter k (output channel)", 0, 0, 0),
                      "slice": spin("backprop-slice", "Slice c (input channel of the filter)", 0, 0, 0)}
        letters = {"channel": "ch", "row": "row", "col": "col", "filter": "filter k", "slice": "slice c"}
        self.spin_holders = {k: labelled(letters[k], b) for k, b in self.spins.items()}
        self.status = QLabel(objectName="backprop-status", wordWrap=True)
        self.maps, self.bars, self.canvas = MapStrip(), LossBars(), RouteCanvas()
        self.pictures = QStackedWidget()
        for w in (self.maps, self.bars, self.canvas):
            self.pictures.addWidget(w)
        self.text = rich_label("backprop-text")
        self.step = StepBox(self.doc)
        controls = QWidget()
        controls.setLayout(row_of(labelled("target", self.target), self.mode,
                                  *self.spin_holders.values(), None))
        picture = QWidget()
        col = QVBoxLayout(picture)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.status)
        col.addWidget(self.pictures, 1)
        self.split = explain_page(self, picture, scrolled(column_of(self.text, self.step), "backprop-text-scroll"),
                                  self.header, controls)
        self.target.activated.connect(self._target_chosen)
        self.mode.activated.connect(lambda _i: self.refresh())
        for box in self.spins.values():
            box.valueChanged.connect(lambda _v: self.refresh())

    def resizeEvent(self, event) -> None:
        follow_shape(self.split, self.width(), self.height(), 0.55)
        super().resizeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.gradients is not None:
            self.gradients.demand("backprop", True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if self.gradients is not None:
            self.gradients.demand("backprop", False)

    # -- following the canvas --------------------------------------------------------------------------
    def show_selection(self, ids: list[str]) -> None:
        net = self.doc.net
        prefer = None
        try:
            head = output_node(net)
            prefer = (lambda decl, h=head: False)
            default = logit_node(net, head)
        except ConvStudioError:
            default = None
        node = pick_node(list(ids), self.node_id, net, prefer=prefer)
        if not ids and self.node_id is None and default is not None:
            node = default
        if node != self.node_id:
            self.node_id = node
            self._fill_modes()
        self.refresh()

    def _on_doc_changed(self, change) -> None:
        if change.reset or (self.node_id is not None and self.node_id not in self.doc.net):
            self.node_id = None
            self.show_selection([])
        elif change.structural:
            self._fill_modes()

    def _fill_modes(self) -> None:
        net = self.doc.net
        self.mode.clear()
        if self.node_id is None or self.node_id not in net:
            return
        for m in modes_for(net, self.node_id):
            self.mode.addItem(MODES[m], m)
        self.mode.setVisible(self.mode.count() > 1)

    def _target_chosen(self, index: int) -> None:
        if self.gradients is not None:
            self.gradients.set_target(self.target.itemData(index))

    def _fill_targets(self, run: bp.GradientRun) -> None:
        k = run.grads.logits.shape[1]
        names = class_names(run.net, k)
        wanted = self.gradients.target if self.gradients is not None else None
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem(f"predicted: {names[run.predicted]}", None)
        for i, n in enumerate(names):
            self.target.addItem(n, i)
        self.target.setCurrentIndex(0 if wanted is None else wanted + 1)
        self.target.blockSignals(False)

    # -- content ---------------------------------------------------------------------------------------
    @guarded
    def refresh(self) -> None:
        net = self.doc.net
        self.numbers = {}
        if self.node_id is None or self.node_id not in net:
            self.header.setText("<b>Backprop</b> — select a layer on the canvas")
            return self._say("Select a layer to see how the gradient passes through it.")
        node = net.node(self.node_id)
        self.header.setText(f"<b>{esc(node.id)}</b> · {esc(node.type)} — how the gradient of the loss passes "
                            "through this layer, and what it does to its weights")
        run = self.gradients.current() if self.gradients is not None else None
        self.run = run
        self.step.set_run(run)
        if run is None:
            status = (self.gradients.status() if self.gradients is not None else
                      "Gradients need the feature-map panels (they run the network on your image).")
            return self._say(status)
        self._fill_targets(run)
        mode = self.mode.currentData() or "other"
        self._show_spins(mode)
        show_text(self.status, "")
        try:
            getattr(self, f"_show_{mode}")(run, node)
        except ConvStudioError as exc:
            self._say(str(exc))

    def _say(self, text: str) -> None:
        show_text(self.status, esc(text))
        self.text.setText("")
        self.maps.set_panels([])
        self.pictures.setCurrentWidget(self.maps)
        self._show_spins("")

    def _show_spins(self, mode: str) -> None:
        used = {"max": ("channel", "row", "col"), "mean": ("channel", "row", "col"),
                "conv": ("filter", "slice")}.get(mode, ())
        for k, holder in self.spin_holders.items():
            holder.setVisible(k in used)

    def _limit(self, name: str, top: int) -> int:
        box = self.spins[name]
        box.blockSignals(True)
        box.setMaximum(max(0, top))
        box.blockSignals(False)
        return box.value()

    def _show_loss(self, run, node) -> None:
        lg = bp.loss_gradient(run)
        names = class_names(run.net, lg.probabilities.size)
        self.numbers = {"loss": lg}
        self.bars.set_loss(lg, names)
        self.pictures.setCurrentWidget(self.bars)
        self.text.setText(loss_html(lg, names, run.target))

    def _show_elementwise(self, run, node) -> None:
        lg = bp.layer_gradient(run, node.id)
        slope = bp.local_slope(lg)
        relu_like = bool(np.all(np.isin(slope[np.isfinite(slope)], (0.0, 1.0))))
        self.numbers = {"layer": lg, "slope": slope}
        c = self._channel_of(lg)
        mask = (lg.x > 0).astype(np.float32)
        self._maps([Panel("dL/dy (reaches the layer)", self._plane(lg.g, c)),
                    Panel("mask: input > 0" if relu_like else "slope dL/dx ÷ dL/dy",
                          self._plane(mask if relu_like else slope, c), "mask" if relu_like else "values"),
                    Panel("dL/dx (passed back)", self._plane(lg.dx, c))])
        self.text.setText(elementwise_html(node.type, lg, slope, relu_like))

    def _channel_of(self, lg) -> int:
        """The channel with the most gradient (the maps show one channel of a C×H×W output)."""
        g = np.asarray(lg.g)
        if g.ndim != 3:
            return 0
        return int(np.argmax(np.abs(g).reshape(g.shape[0], -1).sum(axis=1)))

    @staticmethod
    def _plane(a: np.ndarray, c: int) -> np.ndarray:
        a = np.asarray(a)
        return a[c] if a.ndim == 3 else a.reshape(1, -1)

    def _show_max(self, run, node) -> None:
        self._show_pool(run, node, "max")

    def _show_mean(self, run, node) -> None:
        self._show_pool(run, node, "mean")

    def _show_pool(self, run, node, kind: str) -> None:
        g = run.grads.outputs[node.id][0]
        if self._placed_for != node.id:
            self._placed_for = node.id
            c, r, col = np.unravel_index(int(np.argmax(np.abs(g))), g.shape)  # start where the gradient is
            for name, v in (("channel", c), ("row", r), ("col", col)):
                self._limit(name, g.shape[("channel", "row", "col").index(name)] - 1)
                self.spins[name].blockSignals(True)
                self.spins[name].setValue(int(v))
                self.spins[name].blockSignals(False)
        c = self._limit("channel", g.shape[0] - 1)
        r = self._limit("row", g.shape[1] - 1)
        col = self._limit("col", g.shape[2] - 1)
        route = bp.window_route(run, node.id, c, r, col)
        lg = bp.layer_gradient(run, node.id)
        self.numbers = {"route": route, "layer": lg}
        self.canvas.set_route(route)
        self.pictures.setCurrentWidget(self.canvas)
        self.text.setText(pool_html(route, kind, abs(float(lg.dx.sum()) - float(lg.g.sum()))))

    def _show_conv(self, run, node) -> None:
        lg = bp.layer_gradient(run, node.id)
        w = lg.dw["weight"]
        if self._placed_for != node.id:  # start on the filter that gets the most gradient
            self._placed_for = node.id
            self._limit("filter", w.shape[0] - 1)
            self.spins["filter"].blockSignals(True)
            self.spins["filter"].setValue(int(np.argmax(np.abs(w).reshape(w.shape[0], -1).sum(axis=1))))
            self.spins["filter"].blockSignals(False)
        k = self._limit("filter", w.shape[0] - 1)
        c = self._limit("slice", w.shape[1] - 1)
        corr = bp.weight_correlation(lg, run, k, c)
        check, problem = None, ""
        try:
            check = bp.transpose_check(run, node.id)
        except ConvStudioError as exc:
            problem = str(exc)
        self.numbers = {"layer": lg, "correlation": corr, "check": check, "filter": k, "slice": c}
        groups = node.params["groups"]
        channel = (k // (w.shape[0] // groups)) * w.shape[1] + c
        self._maps([Panel(f"input ch {channel}", lg.x[channel], "values"),
                    Panel(f"dL/dy, filter {k}", lg.g[k]),
                    Panel(f"dL/dW[{k}, {c}]", w[k, c]),
                    Panel(f"dL/dx ch {channel}", lg.dx[channel])])
        self.text.setText(conv_html(lg, k, c, corr, check, problem))

    def _show_dense(self, run, node) -> None:
        lg = bp.layer_gradient(run, node.id)
        outer = bp.outer_product(lg)
        self.numbers = {"layer": lg, "outer": outer}
        dw = lg.dw["weight"]
        units = np.argsort(-np.abs(lg.g.reshape(-1)), kind="stable")[:3]  # the units that learn the most
        limit = float(np.max(np.abs(dw))) or 1.0
        panels = [Panel("x (wrapped)", wrapped(lg.x), "values")]
        panels += [Panel(f"row {j} of dL/dW = {lg.g.reshape(-1)[j]:+.3g} × x".replace("-", "−"),
                         wrapped(dw[j]), limit=limit) for j in units]
        self._maps(panels)
        self.text.setText(dense_html(lg, outer))

    def _show_other(self, run, node) -> None:
        lg = bp.layer_gradient(run, node.id)
        self.numbers = {"layer": lg}
        c = self._channel_of(lg)
        self._maps([Panel("dL/dy", self._plane(lg.g, c)), Panel("dL/dx", self._plane(lg.dx, c))])
        self.text.setText(other_html(node.type))

    def _maps(self, panels: list[Panel]) -> None:
        self.maps.set_panels(panels)
        self.pictures.setCurrentWidget(self.maps)
