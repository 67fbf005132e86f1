"""View 3 — parameter sharing: a convolution written as one matrix, its entries copies of a few weights.

For the selected Conv2D layer, or an example with spin boxes (default: the paper's 3×3
kernel on a 4×4 input, a 4×16 matrix with 36 non-zeros and 9 distinct weights). The
check multiplies the matrix by a flattened input and compares with the engine's
convolution; whole-number weights and inputs make that comparison exact.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from ....engine.explain import (
    ConvConfig,
    SharingCounts,
    conv_config,
    conv_difference,
    node_config,
    sharing_counts,
    sharing_matrix,
    too_big,
)
from ....engine.explain.sharing import DENSE_LIMIT
from ....errors import ConvStudioError
from ....wording import counted
from ...messages import guarded
from ....graph.selection import has_filters, pick_node
from ..controls import column_of, explain_page, follow_shape, labelled, rich_label, row_of, scrolled, show_text, spin
from .matrix_canvas import MatrixCanvas, colour_keys
from .sharing_legend import SharingLegend
from ..text import count, esc, paragraphs, plain

LAYER, EXAMPLE = 0, 1
EXAMPLE_DEFAULTS = {"C": 1, "K": 1, "H": 4, "W": 4, "F": 3, "S": 1, "P": 0, "D": 1}  # REFERENCE.md


def counts_html(cfg: ConvConfig, c: SharingCounts) -> str:
    rows, cols = c.shape
    uses = c.nonzeros / c.distinct if c.distinct else 0
    unused = "" if c.distinct == c.weights else \
        f" (of its {count(c.weights)} kernel weights; the others only ever see padding)"
    return paragraphs(
        f"<span style='font-size:large'>Matrix <b>{rows:,}×{cols:,}</b> = {count(c.dense)} entries · "
        f"<b>{count(c.nonzeros)}</b> non-zero · <b>{count(c.distinct)}</b> distinct weights</span>",
        f"A fully connected layer between the same {count(cols)} inputs and {count(rows)} outputs would learn all "
        f"{count(c.dense)} entries. Without sharing (a “locally connected” layer) it would still learn the "
        f"{count(c.nonzeros)} non-zero ones. The convolution learns {count(c.distinct)}"
        f"{unused}"
        f" and reuses each about {uses:,.0f} times: that reuse is parameter sharing.")


def config_line(cfg: ConvConfig) -> str:
    (pt, pb), (pl, pr) = cfg.padding
    pads = str(pt) if len({pt, pb, pl, pr}) == 1 else f"{pt},{pb},{pl},{pr}"
    kh, kw = cfg.kernel
    oh, ow = cfg.output
    return (f"C = {counted(cfg.channels, 'input channel')} of {cfg.height}×{cfg.width}, "
            f"K = {counted(cfg.filters, 'filter')} of "
            f"{kh}×{kw} (S = {cfg.stride[0]}, P = {pads}, D = {cfg.dilation[0]}) → output {cfg.filters}×{oh}×{ow}")


def exact_check(cfg: ConvConfig, m) -> float:
    """max |matrix @ x − conv(x)| with whole-number weights and inputs (exact in float32)."""
    rng = np.random.default_rng(0)
    weight = rng.integers(-3, 4, size=cfg.weight_shape).astype(np.float32)
    x = rng.integers(0, 5, size=(cfg.channels, cfg.height, cfg.width)).astype(np.float32)
    return conv_difference(m, weight, x)


def blocks_html(cfg: ConvConfig) -> str:
    """Why a few tap colours stand for many weights: the matrix is a K×C grid of blocks, each with its own
    kernel, coloured by tap the same way."""
    k, cg, kh, kw = cfg.weight_shape
    taps = kh * kw
    return (f"{taps} colours, one per kernel tap. Each of the {counted(k, 'filter')} has its own {kh}×{kw} kernel "
            f"for each of the {counted(cg, 'input channel')} it reads, so the matrix is a grid of blocks (the dark "
            f"lines), each with its own {taps} weights: {k} × {cg} × {taps} = <b>{count(k * cg * taps)}</b> "
            "weights. Hover a cell for its weight's name.")


def explanation_html(named: bool | None) -> str:
    """Why the matrix shows sharing; `named` None when no matrix is drawn."""
    colours = {True: "Each colour is one kernel weight (see the kernel beside it); blank cells are zeros.",
               False: "Each colour is one kernel tap position; every filter and channel has its own weights at "
                      "those taps, repeated the same way.", None: ""}[named]
    return paragraphs(
        "A convolution is linear, so it can be written as one matrix that multiplies the flattened input: "
        "row y<sub>r</sub> is one output value, column x<sub>c</sub> one input value. " + colours,
        "Every row holds the same few weights, shifted to where the window lands: those repeated entries are the "
        "<b>shared parameters</b>. What is shared is the weights (and bias) of one layer's filters, across all "
        "positions of the image. F, S and P are not shared parameters: they are settings that fix the pattern of "
        "the matrix. And each layer has its own filters: nothing is shared between layers.")


class SharingView(QWidget):
    def __init__(self, doc, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-sharing-view")
        self.doc = doc
        self.node_id: str | None = None
        self.config: ConvConfig | None = None
        self.counts: SharingCounts | None = None
        self.difference: float | None = None
        self._build()
        doc.changed.connect(self._on_doc_changed)
        self.show_selection([])

    def _build(self) -> None:
        self.header = rich_label("sharing-header")
        self.mode = QComboBox(objectName="sharing-mode", toolTip="The selected Conv2D layer, or a small example "
                                                                 "you can change (the network stays as it is)")
        self.mode.addItems(["Selected layer", "Example (try your own numbers)"])
        self.spins = {
            "C": spin("sharing-c", "C: input channels", 1, 8, 1), "K": spin("sharing-k", "K: filters", 1, 8, 1),
            "H": spin("sharing-h", "H: input height", 1, 32, 4), "W": spin("sharing-w", "W: input width", 1, 32, 4),
            "F": spin("sharing-f", "F: kernel size", 1, 7, 3), "S": spin("sharing-s", "S: stride", 1, 4, 1),
            "P": spin("sharing-p", "P: padding", 0, 3, 0), "D": spin("sharing-d", "D: dilation", 1, 3, 1)}
        for name, v in EXAMPLE_DEFAULTS.items():
            self.spins[name].setValue(v)
        self.example_row = QWidget(objectName="sharing-example-row")
        self.example_row.setLayout(row_of(*(labelled(k, b) for k, b in self.spins.items()), None))
        self.config_label = rich_label("sharing-config")
        self.counts_label = rich_label("sharing-counts", "Sizes of the matrix and how many of its entries are "
                                                        "learned weights")
        self.check = rich_label("sharing-check", "The matrix really is the convolution: it gives the engine's "
                                                 "output for an input")
        self.matrix = MatrixCanvas()
        self.legend = SharingLegend()
        self.note = rich_label("sharing-note")
        self.explanation = rich_label("sharing-text")
        picture = QWidget()
        pic_row = QHBoxLayout(picture)
        pic_row.setContentsMargins(0, 0, 0, 0)
        self.legend_note = rich_label("sharing-legend-note", "What the colours of a multi-channel matrix mean")
        self.legend_note.setMaximumWidth(190)
        key = QWidget()
        key_col = QVBoxLayout(key)
        key_col.setContentsMargins(0, 0, 0, 0)
        key_col.addWidget(self.legend)
        key_col.addWidget(self.legend_note)
        key_col.addStretch(1)
        pic_row.addWidget(key, 0, Qt.AlignmentFlag.AlignTop)
        pic_row.addWidget(self.matrix, 1)
        self.picture = QWidget(objectName="sharing-picture")
        col = QVBoxLayout(self.picture)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(picture, 1)
        text = column_of(self.counts_label, self.check, self.note, self.explanation)
        self.split = explain_page(self, self.picture, scrolled(text, "sharing-text-scroll"),
                                  row_of(self.header, self.mode, stretch_at=0), self.example_row, self.config_label)
        self.mode.currentIndexChanged.connect(lambda _i: self.refresh())
        for box in self.spins.values():
            box.valueChanged.connect(lambda _v: self.refresh())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        follow_shape(self.split, self.width(), self.height(), 0.6, min_wide=900)

    # -- what to show -------------------------------------------------------------------------------------
    def show_selection(self, ids: list[str]) -> None:
        node = pick_node(list(ids), self.node_id, self.doc.net, has_filters)
        if node != self.node_id or self.counts is None:
            self.node_id = node
            if self.mode.currentIndex() == LAYER:
                self.refresh()

    def show_example(self, **values: int) -> None:
        """The example mode with these numbers (C, K, H, W, F, S, P, D; the rest as the reference)."""
        for box in (*self.spins.values(), self.mode):
            box.blockSignals(True)
        for name, v in {**EXAMPLE_DEFAULTS, **values}.items():
            self.spins[name].setValue(v)
        self.mode.setCurrentIndex(EXAMPLE)
        for box in (*self.spins.values(), self.mode):
            box.blockSignals(False)
        self.refresh()

    def _on_doc_changed(self, change) -> None:
        if (change.structural or change.reset) and self.mode.currentIndex() == LAYER:
            self.node_id = pick_node([], self.node_id if self.node_id in self.doc.net else None,
                                     self.doc.net, has_filters)
            self.refresh()

    def _config(self) -> tuple[ConvConfig | None, str]:
        if self.mode.currentIndex() == EXAMPLE:
            v = {k: b.value() for k, b in self.spins.items()}
            try:
                return conv_config(v["C"], v["K"], v["H"], v["W"], v["F"], v["S"], v["P"], v["D"]), \
                    "<b>Parameter sharing</b> · example"
            except ConvStudioError as exc:
                return None, f"<b>Parameter sharing</b> · example — {esc(exc)}"
        if self.node_id is None:
            return None, "<b>Parameter sharing</b> — this network has no Conv2D layer; try the example"
        try:
            return node_config(self.doc.net, self.node_id, self.doc.report), \
                f"<b>{esc(self.node_id)}</b> · Conv2D as a matrix"
        except ConvStudioError as exc:
            return None, f"<b>{esc(self.node_id)}</b> — {esc(exc)}"

    @guarded
    def refresh(self) -> None:
        self.example_row.setVisible(self.mode.currentIndex() == EXAMPLE)
        cfg, title = self._config()
        self.header.setText(title)
        self.config, self.counts, self.difference = cfg, None, None
        if cfg is None:
            for w in (self.config_label, self.counts_label, self.check, self.note):
                show_text(w, "")
            self.matrix.set_matrix(None)
            self.legend.set_config(None, True)
            show_text(self.legend_note, "")
            self.picture.setVisible(False)
            return
        self.counts = sharing_counts(cfg)
        show_text(self.config_label, esc(config_line(cfg)))  # shown again after a config-less state hid them
        show_text(self.counts_label, counts_html(cfg, self.counts))
        if too_big(cfg):
            self._counts_only(cfg)
        else:
            self._draw(cfg)

    def _draw(self, cfg: ConvConfig) -> None:
        m = sharing_matrix(cfg)
        named = colour_keys(m)[1]
        self.matrix.set_matrix(m)
        self.legend.set_config(cfg, named)
        show_text(self.legend_note, "" if named else blocks_html(cfg))
        self.picture.setVisible(True)
        self.difference = exact_check(cfg, m)
        ok = "✓" if self.difference == 0 else "≈"
        show_text(self.check, paragraphs(
            f"<b>{ok} matrix × flattened input = convolution output</b> (max difference {self.difference:.1e}), "
            "with random whole-number weights and inputs, so no rounding hides anything."))
        rows, cols = m.index.shape
        show_text(self.note, "" if rows * cols <= 4096 else
                          f"{rows:,} rows × {cols:,} columns, one pixel per entry: the diagonal bands are the same "
                          "weights repeated. Use the example for a matrix you can read cell by cell.")
        self.explanation.setText(explanation_html(named))

    def _counts_only(self, cfg: ConvConfig) -> None:
        rows, cols = self.counts.shape
        self.matrix.set_matrix(None)
        self.picture.setVisible(False)
        show_text(self.check, "")
        show_text(self.note, paragraphs(
            f"The matrix would have {rows:,} × {cols:,} = {count(self.counts.dense)} entries — too many to draw "
            f"(the view draws up to {count(DENSE_LIMIT)}). The counts above are computed without building it. "
            "Switch to the example to see a matrix you can read."))
        self.explanation.setText(explanation_html(None))

    def text(self) -> str:
        return plain(self.header.text() + self.counts_label.text() + self.check.text() + self.note.text())
