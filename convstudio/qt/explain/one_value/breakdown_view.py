"""View 2 — one output value taken apart: N input channels × one filter, summed, plus the bias.

Pick a pixel in the feature maps (or set channel, row and column here). Each input
channel of the filter's group contributes Σ window·kernel; the list shows those partial
sums with the largest first, then Σ partial sums + bias = total, next to the value the
forward pass produced. The input image shows the value's receptive field.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from ....engine.explain import Box, Breakdown, output_breakdown, receptive_box
from ....engine.explain.backprop import PoolWindow, pool_window
from ....errors import ConvStudioError
from ...messages import guarded
from ...panels.lazy import FollowsWhenShown
from ....graph.selection import has_filters, pick_node
from ... import style
from ..controls import column_of, follow_shape, labelled, rich_label, row_of, scrolled, spin
from ..field_image import FieldImage
from ..run_source import RunSource
from ..term_list import TermList
from ..text import count, esc, num, paragraphs, plain, shape, signed

INLINE_TERMS = 6
MAX_MARK = style.GOOD  # up to this many partial sums are written out in the sum line


def sum_html(b: Breakdown) -> str:
    """Σ partial sums + bias = total, and the engine's own value beside it (two or three short lines, so
    they stay in view above the channel rows)."""
    n = len(b.terms)
    partials = sum(t.partial for t in b.terms)
    total = f"{num(partials)} + {signed(b.bias)} = <b>{num(b.total, 6)}</b>"
    if n <= INLINE_TERMS:
        terms = " + ".join(signed(t.partial) for t in b.terms)
        lines = [f"Σ partial sums = {terms} = {num(partials)}", f"Σ partial sums + bias = {total}"]
    else:
        lines = [f"Σ of the {n} partial sums + bias = {total}"]
    return "<br>".join(lines + [f"engine output = <b>{num(b.engine, 6)}</b> (difference {b.difference:.1e}: "
                                "float32 rounding)"])


def pool_table_html(pw: PoolWindow, source: str, is_max: bool) -> str:
    """The window's input values as a small table; for a max pool the maximum is marked, with what that
    means for backpropagation."""
    rows = []
    kh, kw = pw.values.shape
    for i in range(kh):
        cells = []
        for j in range(kw):
            cell = pw.cells[i * kw + j]
            v = pw.values[i, j]
            text = "pad" if not np.isfinite(v) else num(float(v))
            if is_max and cell == pw.argmax:
                text = f"<b style='color:{MAX_MARK}'>▶ {text}</b>"
            cells.append(f"<td align='right' style='padding:2px 6px'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table border='1' cellspacing='0' style='border-color:{style.GRID.name()}'>{''.join(rows)}</table>"
    if not is_max:
        return (f"It is the average of this window of {esc(source)}:{table}In backpropagation each of these "
                f"{kh * kw} inputs gets the same share of its gradient (see the Backprop tab).")
    y, x = pw.input_cell(pw.argmax)
    return (f"It is the largest value of this window of {esc(source)}; the maximum (▶) is the input at row {y}, "
            f"column {x}:{table}In backpropagation its whole gradient goes to that input and the others get 0 "
            "(see the Backprop tab).")


def story_html(b: Breakdown, n_in: int, m_out: int, kernel: tuple[int, int]) -> str:
    """The seed's "N·M convolutions, summed over the N inputs", with this layer's numbers."""
    kh, kw = kernel
    used = len(b.terms)
    group = (f" With groups = {b.groups}, filter {b.channel} only reads input channels "
             f"{b.terms[0].channel}–{b.terms[-1].channel} (group {b.group})." if b.groups > 1 else "")
    return paragraphs(
        f"This layer has N = {n_in} input channels and M = {m_out} filters. Think of it as "
        f"{count(used * m_out)} one-channel {kh}×{kw} convolutions: each filter holds one {kh}×{kw} kernel slice per "
        f"input channel it reads.{group}",
        f"Output channel {b.channel} at ({b.row}, {b.col}): every slice is laid on its own input channel's window "
        f"and multiplied cell by cell; the {used} partial sums are added, then the filter's bias. The depth of the "
        f"output is M, whatever N is.")


class BreakdownView(FollowsWhenShown, QWidget):
    field_changed = Signal(object)  # Box or None: the receptive field of the value shown (for the input panel)

    def __init__(self, doc, source: RunSource, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-breakdown-view")
        self.doc, self.source = doc, source
        self.node_id: str | None = None
        self.breakdown: Breakdown | None = None
        self.pool: PoolWindow | None = None  # the pooling window of a picked pool pixel, when one is shown
        self.input_hook: Callable[[Box | None, str], None] | None = None  # outlines the box on the input
        self._build()
        source.changed.connect(self.follow)  # a new run: redrawn now if on screen, else when shown
        doc.changed.connect(self._on_doc_changed)
        self.show_selection([])

    def _build(self) -> None:
        self.header = rich_label("breakdown-header")
        self.channel = spin("breakdown-channel", "Output channel k (which filter)", 0, 0, 0)
        self.row = spin("breakdown-row", "Output row", 0, 0, 0)
        self.col = spin("breakdown-col", "Output column", 0, 0, 0)
        self.order = QComboBox(objectName="breakdown-order", toolTip="Order of the input channels in the list")
        self.order.addItems(["Largest contributions first", "Channel order"])
        self.message = rich_label("breakdown-message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)  # long pool notes read down
        self.sum = rich_label("breakdown-sum", "The partial sums added up, and the value the forward pass gave")
        self.story = rich_label("breakdown-story")
        self.terms = TermList()
        self.terms.setToolTip("One row per input channel: its window, the kernel slice, and their Σ product")
        self.field = FieldImage()
        side = column_of(self.field, self.story)
        self.split = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
        terms_area, side_area = scrolled(self.terms, "breakdown-terms-scroll"), scrolled(side, "breakdown-side-scroll")
        terms_area.setMinimumHeight(130)  # a channel row at least; a shorter dock scrolls the whole view
        side_area.setMinimumHeight(100)   # the start of the picture
        terms_area.viewport().installEventFilter(self)  # its rows are sized to the room it has
        self.split.addWidget(terms_area)
        self.split.addWidget(side_area)
        answer = QWidget()  # the sum stays in view above the channel rows, however many there are
        col = QVBoxLayout(answer)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.sum)
        col.addWidget(self.split, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(answer)
        self.answer = answer
        top = QVBoxLayout(self)
        top.setContentsMargins(6, 4, 6, 4)
        top.setSpacing(4)
        top.addWidget(self.header)
        top.addLayout(row_of(labelled("k", self.channel), labelled("row", self.row), labelled("col", self.col),
                             self.order, None))
        top.addWidget(self.stack, 1)
        for box in (self.channel, self.row, self.col):
            box.valueChanged.connect(lambda _v: self.refresh())
        self.order.currentIndexChanged.connect(lambda _i: self.terms.set_terms(self.breakdown, self._by_size()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        follow_shape(self.split, self.width(), self.height(), 0.55, min_wide=700)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:  # the channel rows' scroll area changed height
            self.terms.fit_room(event.size().height())
        return super().eventFilter(obj, event)

    def _by_size(self) -> bool:
        return self.order.currentIndex() == 0

    # -- what to explain ------------------------------------------------------------------------------------
    def show_selection(self, ids: list[str]) -> None:
        node = pick_node(list(ids), self.node_id, self.doc.net, has_filters)
        if node != self.node_id or self.breakdown is None:
            self.node_id = node
            self.refresh()

    def show_pixel(self, node_id: str, channel: int, row: int, col: int) -> None:
        """A pixel picked in the feature maps: explain it if it belongs to a Conv2D layer."""
        net = self.doc.net
        if node_id not in net or not net.node(node_id).decl.has_filters:
            kind = net.node(node_id).type if node_id in net else "unknown"
            field, where = self._field_of(node_id, row, col)
            self.breakdown = self.pool = None  # what is shown is the message about this pixel
            self._say(f"<b>{esc(node_id)}</b> · {esc(kind)} · value at channel {channel}, row {row}, column {col}",
                      f"You picked a pixel of <b>{esc(node_id)}</b> ({esc(kind)}), channel {channel}, row {row}, "
                      f"column {col}. {where}" + (self._pool_html(node_id, channel, row, col) or
                                                "This view takes apart Conv2D outputs: pick a pixel in a Conv2D "
                                                "layer's feature maps to see the sum that makes it."),
                      field, f"{node_id} channel {channel}, row {row}, column {col}")
            return
        self.node_id = node_id
        self._set_ranges()
        for box, v in ((self.channel, channel), (self.row, row), (self.col, col)):
            box.blockSignals(True)
            box.setValue(v)
            box.blockSignals(False)
        self.refresh()

    def _on_doc_changed(self, change) -> None:
        if change.structural or change.reset:
            self.node_id = pick_node([], self.node_id if self.node_id in self.doc.net else None,
                                     self.doc.net, has_filters)

    def _set_ranges(self) -> None:
        snap = self.source.snapshot()
        out = None
        if snap is not None and self.node_id in snap.acts:
            out = snap.acts[self.node_id].shape[1:]
        elif self.node_id is not None and self.doc.report.nodes[self.node_id].shape:
            out = self.doc.report.nodes[self.node_id].shape
        for box, size in zip((self.channel, self.row, self.col), out or (1, 1, 1)):
            box.blockSignals(True)
            box.setMaximum(max(0, size - 1))
            box.blockSignals(False)

    # -- computing --------------------------------------------------------------------------------------------
    @guarded
    def refresh(self) -> None:
        self.breakdown = None
        if self.node_id is None:
            self._say(self._default_header(), "This network has no Conv2D layer to take apart.")
            return
        self._set_ranges()
        snap = self.source.snapshot()
        if snap is None:
            self._say(self._default_header(), esc(self.source.status()) or "No run yet.")
            return
        try:
            b = output_breakdown(snap.net, snap.weights, snap.acts, self.node_id, 0, self.channel.value(),
                                 self.row.value(), self.col.value())
        except ConvStudioError as exc:
            self._say(self._default_header(), esc(exc))
            return
        self.breakdown = b
        self._show(b, snap)

    def _show(self, b: Breakdown, snap) -> None:
        node = self.doc.net.node(self.node_id)
        n_in = snap.acts[node.inputs[0]].shape[1]
        m_out = snap.acts[self.node_id].shape[1]
        kernel = b.terms[0].kernel.shape
        self.header.setText(f"<b>{esc(self.node_id)}</b> · {esc(node.type)} · "
                            f"{shape(snap.acts[node.inputs[0]].shape[1:])} → {shape(snap.acts[self.node_id].shape[1:])}")
        self.header.setToolTip(f"The value at output channel {b.channel}, row {b.row}, column {b.col}")
        self.sum.setText(sum_html(b))
        self.story.setText(story_html(b, n_in, m_out, kernel))
        self.terms.set_terms(b, self._by_size())
        self.field.show_field(snap.image, b.field)
        self.stack.setCurrentWidget(self.answer)
        self.field_changed.emit(b.field)
        if self.input_hook is not None:
            self.input_hook(b.field, f"{self.node_id} channel {b.channel}, row {b.row}, column {b.col}")

    def _say(self, header: str, html: str, field: Box | None = None, what: str = "") -> None:
        """`header` names the layer the message is about (a picked pool pixel's, not the last conv's)."""
        self.header.setText(header)
        self.header.setToolTip("")
        self.message.setText(html)
        self.stack.setCurrentWidget(self.message)
        self.field_changed.emit(None)
        if self.input_hook is not None:
            self.input_hook(field, what)

    def _default_header(self) -> str:
        return "<b>One output value</b>" + (f" · {esc(self.node_id)}" if self.node_id else "")

    def _field_of(self, node_id: str, row: int, col: int) -> tuple[Box | None, str]:
        """The receptive field of any layer's pixel on the last run's input, and a sentence about it."""
        snap = self.source.snapshot()
        feeds = [n.id for n in snap.net if n.decl.is_input and n.id in snap.acts] if snap else []
        if not feeds or node_id not in snap.net:
            return None, ""
        try:
            box = receptive_box(snap.net, node_id, row, col, input_shape=snap.acts[feeds[0]].shape[1:])
        except ConvStudioError:
            return None, ""
        if box.empty:
            return box, "It sees only padding: no input pixel can change it. "
        if box.whole:
            return box, "Every pixel of the input can change it. "
        return box, (f"The input pixels that can change it are rows {box.top}–{box.bottom}, columns "
                     f"{box.left}–{box.right} (outlined on the input image). ")

    def _pool_html(self, node_id: str, channel: int, row: int, col: int) -> str:
        """For a max or average pool's pixel: its window's input values, the maximum marked."""
        snap = self.source.snapshot()
        node = snap.net.node(node_id) if snap is not None and node_id in snap.net else None
        if node is None or node.decl.sliding not in ("max", "mean") or node.inputs[0] not in snap.acts:
            return ""
        try:
            self.pool = pool_window(snap.net, node_id, snap.acts[node.inputs[0]][0], channel, row, col)
        except ConvStudioError:
            return ""
        return pool_table_html(self.pool, node.inputs[0], node.decl.sliding == "max")

    def text(self) -> str:
        return plain(self.header.text() + self.sum.text() + self.message.text())
