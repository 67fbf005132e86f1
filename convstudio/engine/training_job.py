"""The training loop as a background job: a Trainer stepped on private copies, reported in throttled parcels.

`train_work(request)` returns the function `start_job` runs. It completes the weights (as the
run panels do), builds a `Trainer` on the network copy and steps it until the epochs are done
or the job is cancelled, honouring Pause and single steps (`Controls`). Every `report_every`
seconds it reports one `Parcel` with every batch event since the last one, and once a second
a copy of the current weights so the window can show filters forming. Nothing here touches
widgets; the arrays the window gets are copies it may keep.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .datasets import Dataset
from .infer import Report
from .training import BatchEvent, EpochRecord, Evaluation, TrainConfig, Trainer
from .weights import WeightSet
from ..graph import Network
from .weight_book import complete_weights

REPORT_EVERY = 0.05   # seconds between progress parcels
PREVIEW_EVERY = 1.0   # seconds between weight copies for the panels
PAUSE_POLL = 0.05     # how often a paused loop looks for Step, Resume or Stop


class Controls:
    """What the window changes while the job runs: pause, single steps and the learning rate (thread-safe).

    Made before the job starts, so training can begin paused without a race.
    """

    def __init__(self, lr: float, paused: bool = False):
        self._lock = threading.Lock()
        self._lr = float(lr)
        self._steps = 0
        self._running = threading.Event()
        if not paused:
            self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def wait_while_paused(self, timeout: float) -> None:
        self._running.wait(timeout)

    @property
    def lr(self) -> float:
        with self._lock:
            return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        with self._lock:
            self._lr = float(value)

    def request_step(self) -> None:
        with self._lock:
            self._steps += 1

    def take_step(self) -> bool:
        with self._lock:
            if self._steps:
                self._steps -= 1
                return True
            return False


@dataclass
class TrainRequest:
    net: Network                # a private copy
    report: Report
    arrays: WeightSet           # the document's weights (possibly incomplete)
    seed: int                   # of the document's random weights, for layers without arrays yet
    presets: dict[str, str]
    weights_file: str | None
    data: Dataset
    config: TrainConfig
    controls: Controls
    report_every: float = REPORT_EVERY
    preview_every: float = PREVIEW_EVERY


@dataclass
class EpochEnd:
    record: EpochRecord
    evaluation: Evaluation


@dataclass
class Parcel:
    """One progress report: the batches since the last one, an epoch's validation, maybe weights."""

    events: list[BatchEvent] = field(default_factory=list)
    epochs: list[EpochEnd] = field(default_factory=list)
    weights: WeightSet | None = None


@dataclass
class Outcome:
    weights: WeightSet
    steps: int
    steps_per_epoch: int
    history: list[EpochRecord]
    stopped: bool


def copy_weights(weights: WeightSet) -> WeightSet:
    return {nid: {k: np.array(v, copy=True) for k, v in ws.items()} for nid, ws in weights.items()}


def train_work(request: TrainRequest):
    """The function for `start_job`: returns an Outcome (also when stopped, with complete weights)."""
    def work(job) -> Outcome:
        req = request
        done = complete_weights(req.net, req.report, req.arrays, req.seed, req.presets, req.weights_file,
                                cancel=lambda: job.is_cancelled)
        trainer = Trainer(req.net, done.arrays, req.data, req.config)
        parcel, last_report, last_preview = Parcel(), time.monotonic(), time.monotonic()
        chosen = req.config.lr  # the schedule runs until the user types another learning rate
        while not trainer.done and not job.is_cancelled:
            if req.controls.paused and not req.controls.take_step():
                req.controls.wait_while_paused(PAUSE_POLL)
                continue
            if req.controls.lr != chosen:
                chosen = trainer.lr = req.controls.lr
            parcel.events.append(trainer.step())
            if trainer.epoch_finished:
                parcel.epochs.append(EpochEnd(*trainer.finish_epoch()))
            now = time.monotonic()
            if now - last_preview >= req.preview_every or req.controls.paused:
                parcel.weights, last_preview = copy_weights(trainer.weights), now
            if now - last_report >= req.report_every or parcel.epochs or req.controls.paused or trainer.done:
                job.report(parcel)
                parcel, last_report = Parcel(), now
        if parcel.events:
            job.report(parcel)
        return Outcome(copy_weights(trainer.weights), trainer.step_count, trainer.steps_per_epoch,
                       list(trainer.history), stopped=not trainer.done)
    return work
