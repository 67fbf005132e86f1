"""View 4 — fully connected layers as convolutions: what the conversion changes, and why 4096 and 1000.

The table shows the plan for the open network (or the result of the last conversion,
with parameters before and after); the button runs the same undoable menu action.
Below, the heads comparison answers "why not 7×7×512 → 1000 at once?".
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ....errors import ConvStudioError
from ....wording import counted
from ..controls import WrapScroll, rich_label, row_of, show_text
from .fc_to_conv_action import ACTION_TEXT, ConversionSummary, plan_summary
from .heads_view import HeadsView
from ..text import count, esc, paragraphs, plain

COLUMNS = ("Layer", "Now", "Becomes", "Params before", "Params after")
INTRO = ("A Dense layer that reads a flattened C×H×W map computes, for each unit, one weighted sum over the whole "
         "map — exactly what a convolution with an H×W kernel does at its single position. So Flatten + Dense "
         "becomes Conv2D with F = H×W and K = units, and a Dense reading another Dense becomes a 1×1 convolution. "
         "Same weights, reshaped: the parameter counts do not change. The converted network also runs on larger "
         "images and then gives a map of class scores.")


class FcView(QWidget):
    def __init__(self, doc, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-fc-view")
        self.doc = doc
        self.summary: ConversionSummary | None = None
        self.last: ConversionSummary | None = None
        self.convert_action = None
        self.header = rich_label("fc-header")
        self.intro = rich_label("fc-intro")
        self.intro.setText(paragraphs(esc(INTRO)))
        self.table = QTableWidget(0, len(COLUMNS), objectName="fc-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col in (1, 2):  # the long descriptions wrap within the dock's width
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header.sectionResized.connect(lambda *_: self._fit_rows())
        self.table.setToolTip("Each Dense layer and the convolution it becomes; parameters are read from the "
                              "network before and after")
        self.message = rich_label("fc-message")
        self.check = rich_label("fc-check", "The converted network's outputs against the Dense network's")
        self.check.hide()
        self.button = QPushButton(ACTION_TEXT, objectName="fc-convert",
                                  toolTip="Same as Tools ▸ Convert Dense layers to convolutions (undoable)")
        self.heads = HeadsView(doc)
        body = QWidget()
        col = QVBoxLayout(body)
        col.setContentsMargins(6, 4, 6, 4)
        col.setSpacing(6)
        col.addWidget(self.header)
        col.addWidget(self.intro)
        col.addWidget(self.table)
        col.addWidget(self.message)
        col.addWidget(self.check)
        col.addLayout(row_of(self.button, None))
        col.addWidget(self.heads)
        col.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(WrapScroll(body, "fc-scroll"))
        self.button.clicked.connect(self._convert)
        doc.changed.connect(self._on_doc_changed)
        self.refresh()

    def set_action(self, action) -> None:
        """The window's menu action, so the button and the menu do exactly the same thing."""
        self.convert_action = action

    def _convert(self) -> None:
        if self.convert_action is not None:
            self.convert_action.trigger()

    def conversion_done(self, summary: ConversionSummary | None, message: str) -> None:
        """The action finished: show its before/after table, or its refusal."""
        if summary is not None:
            self.last = summary
        self.refresh(message if summary is None else "")

    def show_check(self, html: str) -> None:
        """The outputs compared after a conversion ("" hides it)."""
        show_text(self.check, paragraphs(html) if html else "")

    def _on_doc_changed(self, change) -> None:
        if change.reset:
            self.last = None
        if change.structural or change.reset:
            self.refresh()

    def _last_still_applies(self) -> bool:
        net = self.doc.net
        return self.last is not None and all(c.id in net and net.node(c.id).decl.has_filters
                                             for c in self.last.changes)

    def refresh(self, refusal: str = "") -> None:
        net = self.doc.net
        if not self._last_still_applies():
            self.last = None
            self.show_check("")
        if self.last is not None:
            self._show(self.last, f"<b>Converted</b> {esc(net.name)}: Undo (Ctrl+Z) restores the Dense layers.")
            return
        try:
            summary = plan_summary(net, self.doc.report)
        except ConvStudioError as exc:
            self.summary = None
            self.table.setRowCount(0)
            self.table.setVisible(False)
            self.button.setEnabled(False)
            text = refusal or (str(exc)[0].upper() + str(exc)[1:] + ".")
            show_text(self.message, paragraphs(esc(text) + (" It is already fully convolutional." if
                                                            "nothing to convert" in text else "")))
            self.header.setText("<span style='font-size:large'><b>Dense → convolution</b></span>")
            return
        flat = summary.removed
        removed = (f" The Flatten layer{'s' * (len(flat) != 1)} {', '.join(flat)} will be removed." if flat else "")
        self._show(summary, f"<b>Plan</b> for {esc(net.name)}: {counted(len(summary.changes), 'Dense layer')}.{esc(removed)}")

    def _show(self, summary: ConversionSummary, message: str) -> None:
        self.summary = summary
        self.header.setText("<span style='font-size:large'><b>Dense → convolution</b></span>")
        self.table.setVisible(True)
        self.button.setEnabled(not summary.done)
        self.table.setRowCount(len(summary.changes))
        for r, c in enumerate(summary.changes):
            after = "—" if c.params_after is None else count(c.params_after) + (" ✓ same" if c.unchanged else "")
            for col, value in enumerate((c.id, c.before, c.after, count(c.params_before), after)):
                item = QTableWidgetItem(value)
                if col >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, col, item)
        self._fit_rows()
        show_text(self.message, paragraphs(message))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._fit_rows)  # wrapped rows get shorter when the dock gets wider

    def _fit_rows(self) -> None:
        """Rows as tall as their wrapped text; the table as tall as its rows (the dock scrolls, not it)."""
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in
                                                              range(self.table.rowCount())) + 4
        self.table.setFixedHeight(height)

    def text(self) -> str:
        rows = [" | ".join(self.table.item(r, c).text() for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())] if self.table.isVisibleTo(self) else []
        check = plain(self.check.text()) if self.check.isVisibleTo(self) else ""
        return "\n".join([plain(self.header.text() + self.message.text()), *rows, check, self.heads.text()])
