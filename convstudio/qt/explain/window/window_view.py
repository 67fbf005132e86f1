"""View 1 — what S, P, F and D do: the window stepping over the padded input of a layer.

Follows the selected Conv2D/MaxPool2D/AvgPool2D layer, or "Try your own numbers" for a
what-if without editing the network. Positions step with the slider, Play/Pause, the
arrow keys or a click on the output grid; the numbers all come from `describe_window`.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .... import layers
from ....engine.explain import SlidingWindow, describe_window, node_window
from ....engine.explain.window import SLIDING
from ....errors import ConvStudioError
from ....wording import a
from ...messages import guarded
from ....graph.selection import pick_node, slides
from ... import style
from . import window_text
from ..controls import column_of, explain_page, follow_shape, labelled, rich_label, row_of, scrolled, spin
from ..text import esc, paragraphs, plain, shape, swatch
from .window_canvas import WindowCanvas

PLAY_MS = 600
LAYER, TRY = 0, 1
TRY_DEFAULTS = {"size": 5, "kernel": 3, "stride": 2, "padding": 1, "dilation": 1}  # Dumoulin & Visin fig. 2.6


class WindowView(QWidget):
    def __init__(self, doc, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-window-view")
        self.doc = doc
        self.node_id: str | None = None
        self.sw: SlidingWindow | None = None
        self._explained: SlidingWindow | None = None
        self._build()
        doc.changed.connect(self._on_doc_changed)
        self.show_selection([])

    # -- widgets ------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = rich_label("window-header", "The layer whose window is shown")
        self.mode = QComboBox(objectName="window-mode", toolTip="Explain the selected layer, or try other numbers "
                                                                 "without changing the network")
        self.mode.addItems(["Selected layer", "Try your own numbers"])
        self.kind = QComboBox(objectName="window-kind", toolTip="Which sliding layer to try")
        self.kind.addItems(list(SLIDING))
        self.spins = {
            "size": spin("window-size", "i: input height and width", 1, 512, TRY_DEFAULTS["size"]),
            "kernel": spin("window-kernel", "F: filter (window) size", 1, 64, TRY_DEFAULTS["kernel"]),
            "stride": spin("window-stride", "S: stride, how far the window jumps", 1, 64, TRY_DEFAULTS["stride"]),
            "padding": spin("window-padding", "P: padding on each side", 0, 64, TRY_DEFAULTS["padding"]),
            "dilation": spin("window-dilation", "D: dilation, spacing between taps (Conv2D only)", 1, 16,
                             TRY_DEFAULTS["dilation"]),
        }
        self.try_row = QWidget(objectName="window-try-row")
        self.try_row.setLayout(row_of(self.kind, *(labelled(k, self.spins[n]) for k, n in
                                                    zip("iFSPD", self.spins)), None))
        self.canvas = WindowCanvas()
        self.canvas.setToolTip("Hover a cell for its coordinates; click an output cell to move the window there")
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="window-slider",
                              toolTip="Window position, row by row (arrow keys step too)")
        self.back = QToolButton(text="◀", objectName="window-back", toolTip="Previous position (←)")
        self.play = QPushButton("Play", objectName="window-play", toolTip="Step through every position (Space)")
        self.play.setCheckable(True)
        self.forward = QToolButton(text="▶", objectName="window-forward", toolTip="Next position (→)")
        self.where = QLabel(objectName="window-where")
        self.position_text = rich_label("window-position", "Which cells the current output value reads")
        self.legend = rich_label("window-legend")
        self.explanation = rich_label("window-text", "What the letters mean, with this layer's numbers")
        self.timer = QTimer(self, interval=PLAY_MS)
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        col.addWidget(self.canvas, 1)
        col.addLayout(row_of(self.back, self.play, self.forward, self.slider, self.where, stretch_at=3))
        col.addWidget(self.position_text)
        text = column_of(self.legend, self.explanation)
        text_area = scrolled(text, "window-text-scroll")
        text_area.setMinimumHeight(150)  # a legend and a formula at least; a shorter dock scrolls the view
        self.split = explain_page(self, left, text_area, row_of(self.header, self.mode, stretch_at=0), self.try_row)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)

    def _connect(self) -> None:
        self.mode.currentIndexChanged.connect(lambda _i: self.refresh())
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        for box in self.spins.values():
            box.valueChanged.connect(lambda _v: self.refresh())
        self.slider.valueChanged.connect(self._on_slider)
        self.back.clicked.connect(lambda: self.step(-1))
        self.forward.clicked.connect(lambda: self.step(1))
        self.play.toggled.connect(self._on_play)
        self.timer.timeout.connect(lambda: self.step(1, wrap=True))
        self.canvas.output_clicked.connect(self.go_to)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        follow_shape(self.split, self.width(), self.height(), 0.62)

    # -- what to show ---------------------------------------------------------------------------------
    def show_selection(self, ids: list[str]) -> None:
        node = pick_node(list(ids), self.node_id, self.doc.net, slides)
        if node != self.node_id or self.sw is None:
            self.node_id = node
            if self.mode.currentIndex() == LAYER:
                self.refresh()

    def show_node(self, node_id: str) -> None:
        self.mode.setCurrentIndex(LAYER)
        self.show_selection([node_id])

    def try_values(self, layer_type: str = SLIDING[0], **values: int) -> None:
        """Switch to "Try your own numbers" with these values (size, kernel, stride, padding, dilation)."""
        for box in [*self.spins.values(), self.kind, self.mode]:
            box.blockSignals(True)
        self.kind.setCurrentText(layer_type)
        for name, v in {**TRY_DEFAULTS, **values}.items():
            self.spins[name].setValue(v)
        self.mode.setCurrentIndex(TRY)
        for box in [*self.spins.values(), self.kind, self.mode]:
            box.blockSignals(False)
        self.refresh()

    def _on_doc_changed(self, change) -> None:
        if change.structural or change.reset:
            if self.node_id is not None and self.node_id not in self.doc.net:
                self.node_id = None
            self.node_id = pick_node([], self.node_id, self.doc.net, slides)
            if self.mode.currentIndex() == LAYER:
                self.refresh()

    @guarded
    def refresh(self) -> None:
        """Recompute the window (selection, edit or new numbers) and start again at position 0."""
        trying = self.mode.currentIndex() == TRY
        self.try_row.setVisible(trying)
        self.spins["dilation"].setEnabled(_dilates(self.kind.currentText()))
        self.sw, title, reason = self._describe(trying)
        self.header.setText(title)
        ok = self.sw is not None and self.sw.problem is None and min(self.sw.output_shape) > 0
        if self.sw is not None and not ok:
            reason = self.sw.problem or "the output would be {}×{}".format(*self.sw.output_shape)
        self.canvas.set_window(self.sw if ok else None, reason)
        count = self.sw.output_shape[0] * self.sw.output_shape[1] if ok else 1
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, count - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        for w in (self.slider, self.back, self.forward, self.play):
            w.setEnabled(ok and count > 1)
        if not ok or count <= 1:
            self.play.setChecked(False)
        self._show_position()

    def _describe(self, trying: bool) -> tuple[SlidingWindow | None, str, str]:
        """The window, the header, and why there is no window (the engine's error) when there is none."""
        if trying:
            v = {k: b.value() for k, b in self.spins.items()}
            kind, size = self.kind.currentText(), v["size"]
            params = {"kernel_size": v["kernel"], "stride": v["stride"], "padding": v["padding"]}
            if _dilates(kind):
                params["dilation"] = v["dilation"]
            if layers.get(kind).has_filters:
                params["filters"] = 1
            try:
                sw = describe_window(kind, params, (1, v["size"], v["size"]))
            except ConvStudioError as exc:
                return None, f"<b>Try your own numbers</b> · {kind} on {a(f'{size}×{size}')} input", str(exc)
            return sw, f"<b>Try your own numbers</b> · {kind} on {a(f'{size}×{size}')} input", ""
        if self.node_id is None:
            return None, "<b>Sliding window</b> — this network has no Conv2D or pooling layer", ""
        node = self.doc.net.node(self.node_id)
        try:
            sw = node_window(self.doc.net, self.node_id, self.doc.report)
        except ConvStudioError as exc:
            return None, f"<b>{esc(self.node_id)}</b> · {node.type} — {esc(exc)}", str(exc)
        rep = self.doc.report.nodes[self.node_id]
        out = shape(rep.shape) if rep.shape else "does not fit"
        return sw, (f"<b>{esc(self.node_id)}</b> · {node.type} · input {shape(rep.input_shapes[0])} → "
                    f"output {out}"), ""

    # -- stepping ----------------------------------------------------------------------------------------
    @property
    def position_index(self) -> int:
        return self.slider.value()

    def position(self) -> tuple[int, int]:
        ow = self.sw.output_shape[1]
        return divmod(self.slider.value(), ow)

    def step(self, delta: int, wrap: bool = False) -> None:
        top = self.slider.maximum()
        value = self.slider.value() + delta
        value = value % (top + 1) if wrap else max(0, min(top, value))
        self.slider.setValue(value)

    def go_to(self, row: int, col: int) -> None:
        if self.sw is not None:
            self.slider.setValue(row * self.sw.output_shape[1] + col)

    def _on_slider(self, _value: int) -> None:
        self._show_position()

    def _on_play(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        self.timer.start() if on else self.timer.stop()

    def _show_position(self) -> None:
        sw = self.sw
        ok = sw is not None and sw.problem is None and min(sw.output_shape) > 0
        if not ok:
            self.where.setText("")
            self.position_text.setText("")
            problem = sw.problem if sw is not None else None
            self._explained = None
            self.legend.setText("")
            self.explanation.setText(paragraphs(esc(problem)) if problem else "")
            return
        row, col = self.position()
        self.canvas.set_position(row, col)
        self.where.setText(f"output ({row}, {col}) · {self.slider.value() + 1}/{self.slider.maximum() + 1}")
        self.position_text.setText(window_text.position(sw, row, col, self.canvas.mask))
        if self._explained is not sw:  # the text below depends on the layer only, not on the position
            self._explained = sw
            self.legend.setText(legend_html(sw))
            self.explanation.setText(window_text.formulas(sw) + window_text.notes(sw) + window_text.letters(sw)
                                     + window_text.what_happens(sw))

    def keyPressEvent(self, event) -> None:
        key, ow = event.key(), self.sw.output_shape[1] if self.sw else 1
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -ow, Qt.Key.Key_Down: ow}
        if key in moves:
            self.step(moves[key])
        elif key == Qt.Key.Key_Home:
            self.slider.setValue(0)
        elif key == Qt.Key.Key_End:
            self.slider.setValue(self.slider.maximum())
        elif key == Qt.Key.Key_Space and self.play.isEnabled():
            self.play.toggle()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def text(self) -> str:
        """Everything written beside the picture, as plain text (for tests and screen readers)."""
        return plain(self.header.text() + self.position_text.text() + self.explanation.text())


def _dilates(type_name: str) -> bool:
    return any(p.name == "dilation" for p in layers.get(type_name).params)


TAPS = {  # what the window does with the values under its taps, by the layer's `sliding` capability
    "sum": "taps (each multiplied by its weight, then summed)",
    "max": "taps (the largest is kept; no weights)",
    "mean": "taps (averaged; no weights)",
}


def legend_html(sw: SlidingWindow) -> str:
    """The picture's legend; the taps are worded by what the layer does with them."""
    return "&nbsp;&nbsp;".join([
        swatch(style.CURRENT.name(), TAPS[layers.get(sw.layer_type).sliding]),
        swatch(style.FOOTPRINT.name(), "footprint\u00a0k̂×k̂", "▭"), swatch(style.PAD_HATCH.name(), "padding", "▨"),
        swatch(style.NEVER_READ, "never\u00a0read"), swatch(style.INPUT_EDGE.name(), "real\u00a0input", "▭")])
