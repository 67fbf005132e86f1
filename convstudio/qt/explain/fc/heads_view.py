"""Why 4096 and 1000? A direct 7×7×512 → 1000 classifier beside VGG-16's 4096-4096-1000 head.

Numbers come from `compare_heads`; the head is read from the network when it has a fully
connected chain, else VGG-16's is shown (the seed's question is about that network).
"""
from __future__ import annotations

import itertools

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ....engine.explain import HeadComparison, compare_heads, network_head
from ....errors import ConvStudioError
from ....wording import a
from ... import style
from ..controls import rich_label
from ..text import bullet_list, count, esc, paragraphs, plain, shape

CELL = "style='padding:2px 8px'"


def _rows(layers, widths) -> str:
    rows = []
    for layer, (a, b) in zip(layers, widths):
        rows.append(f"<tr><td {CELL}>{a} → {b}</td><td align='right' {CELL}>{count(layer.params)}</td>"
                    f"<td align='right' {CELL}>{count(layer.macs)}</td></tr>")
    return "".join(rows)


def _table(title: str, layers, widths, params: int, macs: int) -> str:
    head = (f"<tr><th align='left' {CELL}>{title}</th><th align='right' {CELL}>parameters</th>"
            f"<th align='right' {CELL}>MACs</th></tr>")
    total = (f"<tr><td {CELL}><b>total</b></td><td align='right' {CELL}><b>{count(params)}</b></td>"
             f"<td align='right' {CELL}><b>{count(macs)}</b></td></tr>")
    return (f"<table cellspacing='0' style='border:1px solid {style.TABLE_BORDER}; margin-bottom:8px'>{head}"
            f"{_rows(layers, widths)}{total}</table>")


def comparison_html(cmp: HeadComparison) -> str:
    c, h, w = cmp.features
    src = f"{c}×{h}×{w}"
    direct = _table(f"One step: {src} → {count(cmp.direct.units)}", [cmp.direct],
                    [(src, count(cmp.direct.units))], cmp.direct.params, cmp.direct.macs)
    widths = [src] + [count(layer.units) for layer in cmp.head]
    chain = " → ".join(widths)
    head = _table(f"Head: {chain}", cmp.head, list(itertools.pairwise(widths)), cmp.head_params, cmp.head_macs)
    return f"{direct}<br>{head}"  # one above the other: the dock beside the canvas is narrow


def k_sentence(cmp: HeadComparison) -> str:
    """How F and K give 1×1×4096 from 7×7×512: the seed's "how are they calculated"."""
    c, h, w = cmp.features
    first = cmp.head[0].units
    return (f"As convolutions: F = {h}×{w} covers the whole {h}×{w} map, so the output is 1×1 "
            f"(⌊({h} − {h}) / 1⌋ + 1 = 1); K = {count(first)} filters make its depth {count(first)}. "
            "The depth of "
            f"a convolution's output is always K, and K is a choice: nothing in the {c}×{h}×{w} input fixes it. "
            "The next layers use F = 1, because their input is already 1×1.")


class HeadsView(QWidget):
    def __init__(self, doc, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-heads-view")
        self.doc = doc
        self.comparison: HeadComparison | None = None
        self._read: tuple[str, tuple] | None = None  # (network name, head) last read from a network
        self.title = rich_label("heads-title")
        self.tables = rich_label("heads-tables", "Parameters and multiply–accumulates (MACs) of each classifier, "
                                                 "biases counted in parameters only")
        self.reasons = rich_label("heads-reasons")
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.tables, self.reasons):
            col.addWidget(w)
        col.addStretch(1)
        doc.changed.connect(lambda change: self.refresh() if change.structural or change.reset else None)
        self.refresh()

    def refresh(self) -> None:
        net = self.doc.net
        try:
            features, hidden, classes = network_head(net, self.doc.report)
            self._read = (net.name, (features, hidden, classes))
            whose = f"{esc(net.name)}'s fully connected layers"
        except ConvStudioError:
            if self._read is not None and self._read[0] == net.name:  # converted since: same numbers
                features, hidden, classes = self._read[1]
                whose = f"{esc(net.name)}'s head, as it was before its Dense layers became convolutions"
            else:
                features, hidden, classes = (512, 7, 7), (4096, 4096), 1000
                whose = f"VGG-16's head ({esc(net.name)} has no fully connected chain to compare)"
        cmp = compare_heads(features, hidden, classes)
        self.comparison = cmp
        widths = [count(u) for u in dict.fromkeys((*hidden, classes))]
        numbers = widths[0] if len(widths) == 1 else ", ".join(widths[:-1]) + " and " + widths[-1]
        size = shape(features)
        seed = f" (the {features[1]}×{features[2]}×{features[0]} volume of the question, written C×H×W)"
        self.title.setText(paragraphs(f"<span style='font-size:large'><b>Why {numbers}?</b></span> — {whose}, "
                                      f"read from {a(size)} map{seed if features[1] > 1 else ''}"))
        self.tables.setText(comparison_html(cmp))
        self.reasons.setText(bullet_list([esc(r) for r in cmp.reasons] + [esc(k_sentence(cmp))]))

    def text(self) -> str:
        return plain(self.title.text() + self.tables.text() + self.reasons.text())
