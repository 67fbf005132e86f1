""""One step": one plain SGD step on a copy of the weights for the image and class shown, the loss
before and after, each layer's relative change ‖Δw‖/‖w‖, and Apply as one undo step."""
from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QGroupBox, QPushButton, QVBoxLayout
from shiboken6 import isValid

from ....engine.explain.backprop import GradientRun, StepResult, sgd_step
from ...jobs import start_job
from ...messages import notify
from ..controls import rich_label, row_of
from ..text import esc, paragraphs


class StepBox(QGroupBox):
    def __init__(self, doc, parent=None):
        super().__init__("One step of training", parent)
        self.setObjectName("backprop-step")
        self.doc = doc
        self.run: GradientRun | None = None
        self.result: StepResult | None = None
        self.job = None
        self.lr = QDoubleSpinBox(objectName="backprop-lr", decimals=4, minimum=0.0001, maximum=10.0, singleStep=0.01,
                                 value=0.05, toolTip="Learning rate: how far each weight moves against its gradient")
        self.step = QPushButton("Take one step", objectName="backprop-step-button",
                                toolTip="w ← w − lr · dL/dW on a copy of the weights; the network is not changed yet")
        self.apply = QPushButton("Apply to network", objectName="backprop-apply", enabled=False,
                                 toolTip="Put the stepped weights into the network (one undo step)")
        self.text = rich_label("backprop-step-text")
        box = QVBoxLayout(self)
        box.addLayout(row_of(rich_label("backprop-lr-label"), self.lr, self.step, self.apply, None))
        box.itemAt(0).layout().itemAt(0).widget().setText("lr")
        box.addWidget(self.text)
        self.step.clicked.connect(self.take_step)
        self.apply.clicked.connect(self.apply_step)

    def set_run(self, run: GradientRun | None) -> None:
        if run is not self.run:
            self.run, self.result = run, None
            self.apply.setEnabled(False)
            self.step.setEnabled(run is not None)
            self.text.setText("" if run is None else
                              f"Loss now <b>{run.grads.loss:.4g}</b>. Take a step to see every layer's weights move "
                              "and the loss change.")

    def take_step(self) -> None:
        run, lr = self.run, self.lr.value()
        if run is None:
            return
        self.step.setEnabled(False)
        self.job = start_job(lambda job: sgd_step(run, lr, cancel=lambda: job.is_cancelled),
                             on_finished=lambda r: self._done(run, r), on_failed=self._failed)

    def _done(self, run: GradientRun, result: StepResult) -> None:
        if not isValid(self):  # the window closed meanwhile
            return
        self.job = None
        self.step.setEnabled(self.run is not None)
        if run is not self.run:
            return
        self.result = result
        self.apply.setEnabled(True)
        rows = "".join(f"<tr><td>{esc(nid)}</td><td align='right'>&nbsp;{result.grad_norms[nid]:.3g}</td>"
                       f"<td align='right'>&nbsp;{100 * result.changes[nid]:.3g} %</td></tr>"
                       for nid in reversed(list(result.changes)))
        better = "lower" if result.loss_after < result.loss_before else "not lower: try a smaller lr"
        self.text.setText(paragraphs(
            f"<span style='font-size:large'>loss {result.loss_before:.4g} → <b>{result.loss_after:.4g}</b></span> "
            f"({better})",
            f"Every weight moved by −{result.lr:g} × its gradient. How much each layer moved:",
            f"<table><tr><th align='left'>layer</th><th>&nbsp;‖dL/dW‖</th><th>&nbsp;‖Δw‖/‖w‖</th></tr>{rows}</table>",
            "Training repeats this for thousands of images: each step nudges the weights so that the right class "
            "scores a little higher."))

    def _failed(self, text: str) -> None:
        if not isValid(self):
            return
        self.job = None
        self.step.setEnabled(self.run is not None)
        self.text.setText(esc(text))

    def apply_step(self) -> None:
        if self.result is None:
            return
        self.doc.set_weights(self.result.weights, f"One SGD step (lr {self.result.lr:g})")
        notify(f"Applied one SGD step: loss {self.result.loss_before:.4g} → {self.result.loss_after:.4g}. "
               "Edit ▸ Undo brings the weights back.")
        self.result = None
        self.apply.setEnabled(False)
