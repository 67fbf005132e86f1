"""dL/d(every output) and dL/dW for the image the panels show, kept in step with it off the GUI thread.

It follows the run controller: after each forward pass that matches the network, image and
weights as they are, and after the target class changes, it waits a moment (edits and
typing come in bursts) and runs `gradients()` in a background job. It only works while some
view asks for it (`demand`), so a user who never looks at gradients never pays for them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QCheckBox
from shiboken6 import isValid

from ...engine.explain.backprop import GradientRun, gradient_run
from ...engine.gradients import logit_node, output_node
from ...errors import ConvStudioError
from ..jobs import Job, start_job

DEBOUNCE_MS = 150


class GradientSource(QObject):
    changed = Signal()  # `run`, `status()` or `target` changed

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.doc = controller.doc
        self.target: int | None = None  # None: the predicted class
        self.run: GradientRun | None = None
        self.error = ""
        self._demand: set[str] = set()
        self._job: Job | None = None
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        for signal in (controller.results_changed, controller.weights_changed):
            signal.connect(self.schedule)
        self.doc.changed.connect(self._on_doc_changed)

    # -- asked by the views --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._job is not None or self._timer.isActive()

    def demand(self, who: str, wanted: bool) -> None:
        """`who` wants gradients (True) or no longer does; work happens only while someone wants it."""
        before = bool(self._demand)
        (self._demand.add if wanted else self._demand.discard)(who)
        if self._demand and not before:
            self.schedule()

    def set_target(self, target: int | None) -> None:
        if target != self.target:
            self.target = target
            self.changed.emit()
            self.schedule()

    def status(self) -> str:
        """Why there are no gradients to show (or ""), in one line."""
        c = self.controller
        if self.error:
            return self.error
        if c.results is None:
            return c.error or "Run the network (F5) first: gradients start from its output."
        if c.stale:
            return "The network, image or weights changed: waiting for the next run (F5)."
        return "Computing the gradients…" if self.run is None else ""

    def current(self) -> GradientRun | None:
        """The run, only while it belongs to the results on screen."""
        c = self.controller
        return None if c.results is None or c.stale else self.run

    # -- work ----------------------------------------------------------------------------------------
    def schedule(self) -> None:
        if self._demand:
            self._timer.start()

    def _on_doc_changed(self, change) -> None:
        if change.structural or change.reset:
            self._generation += 1
            self.run, self.error = None, ""
            if change.reset:
                self.target = None
            self.changed.emit()
        self.schedule()

    def _start(self) -> None:
        c = self.controller
        if not self._demand or c.results is None or c.stale:
            return
        self._generation += 1
        generation = self._generation
        net = c.doc.net.copy()
        weights = {nid: dict(arrays) for nid, arrays in c.weights.items()}
        try:
            x, predicted = self._inputs(net, c.results.activations)
        except ConvStudioError as exc:
            self._fail(generation, str(exc))
            return
        target = self.target
        if self._job is not None:
            self._job.cancel()

        def work(job: Job) -> GradientRun:
            return gradient_run(net, weights, x, target, predicted, cancel=lambda: job.is_cancelled)
        self._job = start_job(work, on_finished=lambda r: self._finish(generation, r, ""),
                              on_failed=lambda text: self._fail(generation, text),
                              on_cancelled=lambda: self._drop(generation))

    @staticmethod
    def _inputs(net, acts) -> tuple[np.ndarray, int | None]:
        """The image the panels show (as the network received it) and the class it predicts."""
        first = next((n.id for n in net if n.decl.is_input), None)
        if first is None or first not in acts:
            raise ConvStudioError("the network has no Input layer to backpropagate to")
        logits = acts.get(logit_node(net, output_node(net)))
        predicted = int(np.argmax(logits)) if logits is not None and logits.size == logits.shape[0] else None
        return acts[first][None], predicted

    def _finish(self, generation: int, run: GradientRun | None, error: str) -> None:
        if not isValid(self) or generation != self._generation:  # the window closed meanwhile, or superseded
            return
        self._job = None
        self.run, self.error = run, error
        self.changed.emit()

    def _fail(self, generation: int, text: str) -> None:
        self._finish(generation, None, text.rstrip(".") + ".")

    def _drop(self, generation: int) -> None:
        if isValid(self) and generation == self._generation:
            self._job = None


class GradientSwitch(QObject):
    """A panel's "show gradients" check box, tied to a GradientSource once one is attached:
    the source computes only while some switch asks for it (`demand(view, on)`)."""

    redraw = Signal()  # the gradients to show changed: the panel re-renders

    def __init__(self, view: str, text: str, object_name: str, tip: str, parent=None):
        super().__init__(parent)
        self.view_name = view
        self.source: GradientSource | None = None
        self.toggle = QCheckBox(text, objectName=object_name, toolTip=tip)
        self.toggle.setEnabled(False)
        self.toggle.toggled.connect(self._toggled)

    def attach(self, source: GradientSource) -> None:
        self.source = source
        self.toggle.setEnabled(True)
        source.changed.connect(self.redraw)

    @property
    def on(self) -> bool:
        return self.toggle.isChecked() and self.source is not None

    def _toggled(self, on: bool) -> None:
        if self.source is not None:
            self.source.demand(self.view_name, on)
        self.switched(on)
        self.redraw.emit()

    def switched(self, on: bool) -> None:
        """What the panel shows or hides besides re-rendering; nothing by default."""
