"""Training the document's network from the window: the dataset, the job, and what becomes of the weights.

`TrainSession` loads the dataset at the network's Input C×H×W (off the GUI thread), says
why a network cannot be trained on it, runs a `Trainer` on private copies in a background
job, and hands the weights to the document: provisionally about once a second while it
trains (the panels refresh, no undo step), and at the end as ONE undo step together with
the dataset's class names ("Train 3 epochs on shapes"). An edit of the network's structure
stops training; the weights learned so far are kept for the layers that still fit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from ...engine.datasets import Dataset, load_dataset
from ...engine.gradients import check_memory
from ...engine.training import TrainConfig, check_trainable
from ...engine.weights import expected_shapes
from ...errors import ConvStudioError
from ...graph import Network, SetMeta
from ..jobs import Job, start_job
from ..messages import notify
from ...engine.weight_book import fits
from ...engine.training_job import Controls, Outcome, Parcel, TrainRequest, train_work

PROVISIONAL = "training in progress (not kept yet)"


@dataclass(frozen=True)
class DataKey:
    """What a loaded dataset was made for: reload when any of it changes."""

    source: str
    shape: tuple[int, int, int]
    count: int | None


def input_shape(net: Network) -> tuple[int, int, int]:
    """C×H×W of the network's one Input layer, or a one-line refusal naming what to change."""
    inputs = [n for n in net if n.decl.is_input]
    if len(inputs) != 1:
        raise ConvStudioError("training needs a network with exactly one Input layer"
                              + ("; add one from the palette" if not inputs else f", this one has {len(inputs)}"))
    p = inputs[0].params
    return (p["channels"], p["height"], p["width"])


def undo_text(steps: int, steps_per_epoch: int, name: str) -> str:
    """"Train 3 epochs on shapes", or with the batches of an unfinished epoch."""
    epochs, batches = divmod(steps, steps_per_epoch)
    parts = [f"{epochs} epoch{'s' * (epochs != 1)}"] if epochs else []
    if batches or not epochs:
        parts.append(f"{batches} batch{'es' * (batches != 1)}")
    return f"Train {' and '.join(parts)} on {name}"


class TrainSession(QObject):
    state_changed = Signal(str)        # "idle", "loading", "training", "paused"
    data_changed = Signal(object)      # the Dataset now loaded (or None)
    refusal_changed = Signal(str)      # why training cannot start ("" when it can)
    progress = Signal(object)          # Parcel
    started = Signal(object)           # TrainConfig
    ended = Signal(str)                # one line: what happened to the weights
    message = Signal(str)              # a line for the dock (loading, errors)

    def __init__(self, doc, parent=None, panels_busy=lambda: False):
        """`panels_busy()` says the panels are still busy with the last weights shown (skip a refresh)."""
        super().__init__(parent)
        self.doc = doc
        self.panels_busy = panels_busy
        self.data: Dataset | None = None
        self.data_key: DataKey | None = None
        self.state = "idle"
        self.refusal = ""
        self.source, self.count = "shapes", None
        self.batch_size = 32
        self.controls: Controls | None = None
        self.job: Job | None = None
        self._load_job: Job | None = None
        self._wanted: DataKey | None = None
        self._start_after_load: TrainConfig | None = None
        self._stop_reason: str | None = None
        self._name = ""
        self._kept: tuple[int, str] | None = None  # (undo index after, text) of the last training kept
        doc.changed.connect(self._on_doc_changed)

    # -- the dataset -----------------------------------------------------------------------------
    def choose_data(self, source: str, count: int | None = None) -> None:
        self.source, self.count = source, count
        self.load_data()

    def wanted_key(self) -> DataKey | None:
        try:
            return DataKey(self.source, input_shape(self.doc.net), self.count)
        except ConvStudioError as exc:
            self._set_refusal(str(exc))
            return None

    def load_data(self) -> None:
        """Load the chosen dataset at the network's input size in the background (if not loaded yet)."""
        key = self.wanted_key()
        if key is None or key == self.data_key or key == self._wanted:
            if key == self.data_key:
                self.check()
            return
        if self._load_job is not None:
            self._load_job.cancel()
        self._wanted = key
        if self.state == "idle":
            self._set_state("loading")
        self.message.emit(f"Loading {key.source} at {'×'.join(map(str, key.shape))}…")
        self._load_job = start_job(lambda job: load_dataset(key.source, key.shape, 0, count=key.count),
                                   on_finished=lambda data: self._loaded(key, data),
                                   on_failed=lambda text: self._load_failed(key, text))

    def _loaded(self, key: DataKey, data: Dataset) -> None:
        if key != self._wanted:
            return  # superseded by another choice
        self._load_job, self._wanted = None, None
        self.data, self.data_key = data, key
        self.data_changed.emit(data)
        self.message.emit("")
        if self.state == "loading":
            self._set_state("idle")
        self.check()
        config, self._start_after_load = self._start_after_load, None
        if config is not None and not self.refusal:
            self.start(config)

    def _load_failed(self, key: DataKey, text: str) -> None:
        if key != self._wanted:
            return
        self._load_job, self._wanted, self._start_after_load = None, None, None
        self.data, self.data_key = None, None
        self.data_changed.emit(None)
        if self.state == "loading":
            self._set_state("idle")
        self._set_refusal(f"Cannot load {key.source}: {text}")

    # -- can it train? -----------------------------------------------------------------------------
    def check(self, batch_size: int | None = None) -> str:
        """Why the network cannot be trained on the loaded dataset ("" when it can); also emitted.

        `batch_size` (remembered for later checks) matters for the memory a step needs.
        """
        if batch_size is not None:
            self.batch_size = batch_size
        batch_size = self.batch_size
        try:
            input_shape(self.doc.net)
            if self.data is not None:
                check_trainable(self.doc.net, self.data)
                check_memory(self.doc.report, min(batch_size, len(self.data.y_train)), None, self.doc.net)
            text = ""
        except ConvStudioError as exc:
            text = str(exc)
        self._set_refusal(text[:1].upper() + text[1:])
        return self.refusal

    def _set_refusal(self, text: str) -> None:
        if text != self.refusal:
            self.refusal = text
            self.refusal_changed.emit(text)

    # -- training --------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.state in ("training", "paused")

    def start(self, config: TrainConfig, paused: bool = False) -> bool:
        """Start training (after loading the dataset if needed); False with `refusal` set when it cannot."""
        if self.busy:
            return False
        key = self.wanted_key()
        if key is None:
            return False
        if key != self.data_key:
            self._start_after_load = config
            self.load_data()
            return True
        if config.batch_size != self.batch_size:
            self.check(config.batch_size)
        if self.refusal:  # kept up to date by edits, loads and the batch size; the job checks again
            return False
        try:
            config.check()
        except ConvStudioError as exc:
            self._set_refusal(str(exc))
            return False
        book = self.doc.weight_book
        self.controls = Controls(config.lr, paused)
        request = TrainRequest(self.doc.net.copy(), self.doc.report, book.snapshot(), book.seed, dict(book.presets),
                               book.pending_file, self.data, config, self.controls)
        self._stop_reason = None
        self._name = self.data.name
        self.job = start_job(train_work(request), on_finished=self._finished, on_failed=self._failed,
                             on_cancelled=self._cancelled, on_progress=self._on_progress)
        self._set_state("paused" if paused else "training")
        self.started.emit(config)
        return True

    def pause(self) -> None:
        if self.state == "training":
            self.controls.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused":
            self.controls.resume()
            self._set_state("training")

    def step(self, config: TrainConfig | None = None) -> None:
        """One batch: while paused, or (paused) from the start when idle."""
        if self.state == "idle" and config is not None:
            if self.start(config, paused=True) and self.controls is not None:
                self.controls.request_step()
        elif self.state == "paused":
            self.controls.request_step()

    def stop(self, reason: str | None = None) -> None:
        """Stop between two batches; the weights learned so far are kept (one undo step)."""
        if self.busy:
            self._stop_reason = reason
            self.job.cancel()

    def set_lr(self, lr: float) -> None:
        """Used from the next batch on."""
        if self.controls is not None and math.isfinite(lr) and lr > 0:
            self.controls.lr = lr

    def shutdown(self) -> None:
        """Stop training and loading (window closed, app quitting); nothing is kept."""
        self._stop_reason = "reset"
        for job in (self.job, self._load_job):
            if job is not None:
                job.cancel()

    def watch_close(self, window) -> None:
        """Stop training when `window` has closed (the close may still be refused: look after it)."""
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close:
            QTimer.singleShot(0, self, self._stop_if_closed)
        return False

    def _stop_if_closed(self) -> None:
        try:
            closed = not self._window.isVisible()
        except RuntimeError:
            closed = True
        if closed:
            self.shutdown()

    # -- outcomes ----------------------------------------------------------------------------------
    def _on_progress(self, parcel: Parcel) -> None:
        if not self.busy:
            return
        if parcel.weights is not None and self._stop_reason is None and not self.panels_busy():
            self.doc.show_provisional_weights(parcel.weights, PROVISIONAL)
        self.progress.emit(parcel)

    def _finished(self, outcome: Outcome) -> None:
        self.job = None
        self.doc.end_provisional_weights()
        self._set_state("idle")
        if self._stop_reason == "reset" or outcome.steps == 0:
            self.ended.emit("Training stopped before any batch; the weights are unchanged.")
            return
        text = self.keep(outcome)
        why = f" ({self._stop_reason})" if self._stop_reason else (" (stopped)" if outcome.stopped else "")
        self.ended.emit(f"{text}{why}: the network has the trained weights (Edit ▸ Undo brings back the old ones).")
        notify(f"{text}{why}.")

    def keep(self, outcome: Outcome) -> str:
        """The trained weights (and class names) become the document's in one undo step; its text."""
        text = undo_text(outcome.steps, outcome.steps_per_epoch, self._name)
        shapes = expected_shapes(self.doc.net, self.doc.report)
        arrays = {nid: ws for nid, ws in outcome.weights.items() if nid in shapes and fits(ws, shapes[nid])}
        labels = list(self.data.labels) if self.data is not None else []
        new_labels = bool(labels) and list(self.doc.net.labels) != labels and not self._labels_refused(labels)
        if not arrays and not new_labels:
            return f"{text} kept nothing (no layer still fits)"
        stack = self.doc.stack
        stack.beginMacro(text)
        try:
            if new_labels:
                self.doc.push(SetMeta(labels=labels))
            self.doc.set_weights(arrays, text)
        finally:
            stack.endMacro()
        self._kept = (stack.index(), text)
        return text

    def can_revert(self) -> bool:
        """The latest undo step is the one that kept trained weights."""
        stack = self.doc.stack
        return self._kept is not None and stack.index() == self._kept[0] and stack.undoText() == self._kept[1]

    def revert(self) -> None:
        """Back to the weights (and class names) from before the last training: its undo step."""
        if self.can_revert():
            self.doc.stack.undo()

    def _labels_refused(self, labels: list[str]) -> bool:
        try:
            check_trainable(self.doc.net, self.data)
            return False
        except ConvStudioError:
            return True  # the network was edited meanwhile: its output no longer has a score per class

    def _failed(self, text: str) -> None:
        self.job = None
        self.doc.end_provisional_weights()
        self._set_state("idle")
        self._set_refusal(text[:1].upper() + text[1:])
        self.ended.emit(f"Training failed: {text}")

    def _cancelled(self) -> None:
        self.job = None
        self.doc.end_provisional_weights()
        self._set_state("idle")
        self.ended.emit("Training stopped before any batch; the weights are unchanged.")

    def _on_doc_changed(self, change) -> None:
        if self.busy and change.reset:
            self.stop("reset")
            notify("Training stopped: another network was opened.", "warning")
        elif self.busy and change.structural and change.ids:
            self.stop("the network was edited")
            notify("Training stopped: the network was edited.", "warning")
        if (change.structural or change.reset) and not self.busy:
            self.load_data() if self.data is not None or self._wanted is not None else self.check()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

