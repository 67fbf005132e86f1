"""Progress and Cancel for the forward pass, as permanent widgets of the window's status bar.

They appear only when a pass lasts longer than a moment, so TinyVGG's 20 ms runs after every
edit do not make the status bar flicker.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from .run_controller import RunController

SHOW_AFTER_MS = 250


class RunStatus(QWidget):
    def __init__(self, controller: RunController, parent=None):
        super().__init__(parent)
        self.setObjectName("run-status")
        self.controller = controller
        self.label = QLabel(objectName="run-what", toolTip="The layer being computed")
        self.bar = QProgressBar(objectName="run-progress", maximumWidth=160, minimumWidth=110, textVisible=True,
                                toolTip="Forward pass in progress: layers done of all layers")
        self.cancel = QToolButton(text="Cancel", objectName="run-cancel", autoRaise=False,
                                  toolTip="Stop this run; the panels keep the previous results")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.setSpacing(4)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.cancel)
        self._delay = QTimer(self, singleShot=True, interval=SHOW_AFTER_MS)
        self._delay.timeout.connect(lambda: self.setVisible(self.controller.busy))
        self.cancel.clicked.connect(controller.cancel)
        controller.busy_changed.connect(self._busy)
        controller.progress.connect(self._progress)
        self.hide()

    def _busy(self, busy: bool) -> None:
        if busy:
            self.bar.setRange(0, 0)  # indeterminate until the first layer reports
            self.bar.setFormat("")
            self.label.setText("Starting…")
            self._delay.start()
        else:
            self._delay.stop()
            self.hide()

    def _progress(self, done: int, total: int, what: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat("%v/%m")  # the layer's name goes in the label, which is never clipped
        weights = what.startswith("weights ")
        self.label.setText(f"Drawing weights of {what[8:]}" if weights else f"Running {what}")
