"""The status bar: the network's output shape, totals and problem count, plus transient messages.

A message belongs to the edit it was shown at: Undo or Redo clears it, so "Deleted conv1" or a cycle
error does not linger after the step is gone. A message too long for the room beside the figures hides
them while it shows; one longer than the whole bar is elided, with the full text as its tooltip.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QStatusBar

from ...engine.numbers import short
from ...layers import fmt_shape
from .. import style
from ..document.document import Document

MESSAGE_MS = 8000


class NetworkStatusBar(QStatusBar):
    problems_clicked = Signal()

    def __init__(self, doc: Document, parent=None):
        super().__init__(parent)
        self.setObjectName("status-bar")
        self.doc = doc
        self.output = self._label("status-output", "Shape of the network's output (C×H×W, or F after Flatten/Dense)")
        self.params = self._label("status-params", "Trainable parameters of the whole network")
        self.macs = self._label("status-macs", "Multiply–accumulates for one image (FLOPs = 2 × MACs)")
        self.problems = self._label("status-problems", "Errors and warnings found by shape inference; "
                                    "click to select the first layer with a problem")
        self.problems.mousePressEvent = lambda _event: self.problems_clicked.emit()
        self.messageChanged.connect(self._message_changed)
        self._shown_at: int | None = None  # the undo-stack index when the message appeared
        doc.stack.indexChanged.connect(self._stack_moved)
        doc.changed.connect(self.refresh)
        self.refresh()

    def _label(self, name: str, tip: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setToolTip(tip)
        label.setContentsMargins(6, 0, 6, 0)
        self.addPermanentWidget(label)
        return label

    def refresh(self, change=None) -> None:
        if change is not None and not (change.structural or change.reset):
            return
        report = self.doc.report
        outs = [fmt_shape(report.nodes[i].shape) for i in report.outputs]
        self.output.setText(f"Output <b>{', '.join(outs) or '—'}</b>")
        self.params.setText(f"Params <b>{report.total_params:,}</b>")
        self.macs.setText(f"MACs <b>{short(report.total_macs)}</b>")
        errors, warnings = len(report.errors), len(report.warnings)
        if errors:
            colour = style.ERROR.name()
        elif warnings:
            colour = style.WARNING_TEXT
        else:
            colour = style.OK_TEXT.name()
        text = "no problems" if not (errors or warnings) else \
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        self.problems.setText(f"<span style='color:{colour}'>● {text}</span>")

    def show_message(self, text: str, level: str = "info") -> None:
        colour = {"error": style.ERROR.name(), "warning": style.WARNING_TEXT}.get(level, "")
        self.setStyleSheet(f"QStatusBar {{ color: {colour}; }}" if colour else "")
        figures = [w for w in self._figures() if not w.isHidden()]
        beside = self.width() - sum(w.sizeHint().width() for w in figures) - 40
        metrics = QFontMetrics(self.font())
        wide = metrics.horizontalAdvance(text) > beside
        for widget in self._figures():
            widget.setVisible(not wide)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, self.width() - 24) if wide else text
        self.setToolTip(text if shown != text else "")
        self._shown_at = self.doc.stack.index()
        self.showMessage(shown, MESSAGE_MS * (2 if level == "error" or wide else 1))

    def _figures(self) -> list[QLabel]:
        return [self.output, self.params, self.macs, self.problems]

    def _stack_moved(self, index: int) -> None:
        if self.currentMessage() and index != self._shown_at:
            self.clearMessage()

    def _message_changed(self, text: str) -> None:
        if not text:
            self.setStyleSheet("")
            self.setToolTip("")
            self._shown_at = None
            for widget in self._figures():
                widget.show()
