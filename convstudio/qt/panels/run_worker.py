"""One forward pass off the GUI thread: image → weights → activations, cancellable between layers.

The worker reads only its private `RunRequest` (a copy of the network and a snapshot of the
weights), never the live document, and hands everything back through queued signals; the
controller decides whether the outcome is still wanted.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Signal

from ...engine import images
from ...engine.execute import run as run_network
from ...engine.infer import Report
from ...engine.weights import WeightSet
from ...errors import ConvStudioError, RunCancelled
from ...graph import Network
from ...engine.weight_book import Completed, InitCache, complete_weights
from ..jobs import lower_thread_priority

PROGRESS_S = 0.04  # how often a job reports progress to the window

log = logging.getLogger("convstudio.qt.panels")


@dataclass
class RunRequest:
    job: int
    revision: int                 # the controller's revision when the request was made
    weights_key: tuple[int, int]  # (network revision, weights revision): when refreshed arrays still apply
    net: Network                  # a private copy
    report: Report
    arrays: WeightSet
    seed: int
    presets: dict[str, str]
    source: str
    normalize: str | None = None
    weights_file: str | None = None
    original: np.ndarray | None = None  # the decoded source, when it is still the same
    execute: bool = True                 # False: prepare the image and weights only
    memory_limit: int | None = None
    cache: InitCache | None = None       # shared with other jobs


@dataclass
class InputImages:
    source: str
    original: np.ndarray                 # (C, H, W) in [0, 1]
    prepared: dict[str, np.ndarray]      # input id → (C, H, W) exactly as the network receives it
    normalize: str | None = None


@dataclass
class RunOutcome:
    request: RunRequest
    images: InputImages | None = None
    weights: Completed | None = None
    activations: dict[str, np.ndarray] | None = None
    seconds: float = 0.0                 # the forward pass alone
    error: str | None = None
    stage: str = ""                      # "image", "weights", "network" or "run" for an error
    node_errors: list[str] = field(default_factory=list)


def sample_size(net: Network) -> tuple[int, int]:
    """Samples are rendered at the first Input layer's size: crisper than rendering and resizing."""
    first = next((n for n in net if n.decl.is_input), None)
    return (first.params["height"], first.params["width"]) if first else images.DEFAULT_SAMPLE_SIZE


def prepare_inputs(net: Network, source: str, normalize: str | None,
                   original: np.ndarray | None = None) -> InputImages:
    """Decode (unless given) and prepare the image for every Input layer; ConvStudioError if impossible."""
    if original is None:
        original = images.load_image_source(source, sample_size=sample_size(net))
    prepared = {}
    for node in net:
        if node.decl.is_input:
            p = node.params
            prepared[node.id] = images.prepare_image(original, p["channels"], p["height"], p["width"],
                                                     normalize=normalize)
    return InputImages(source, original, prepared, normalize)


class JobSignals(QObject):
    """Lives in the GUI thread; emitting from the worker queues the calls to the controller."""

    progress = Signal(int, int, int, str)  # job, done, total, what
    image_ready = Signal(int, object)      # job, InputImages
    finished = Signal(object)              # RunOutcome (with or without an error)
    cancelled = Signal(int)                # job


class RunJob(QRunnable):
    def __init__(self, request: RunRequest, signals: JobSignals):
        super().__init__()
        self.request = request
        self.signals = signals
        self.cancel_flag = threading.Event()
        self._last_progress = -1.0e9

    def cancel(self) -> None:
        self.cancel_flag.set()

    def cancelled(self) -> bool:
        return self.cancel_flag.is_set()

    def run(self) -> None:  # worker thread
        lower_thread_priority()  # the window paints first
        outcome = RunOutcome(self.request)
        try:
            self._stages(outcome)
        except RunCancelled:
            self._emit(self.signals.cancelled, self.request.job)
            return
        except ConvStudioError as exc:
            outcome.error = str(exc)
        except MemoryError:
            outcome.error = "not enough memory for this run; use a smaller image or network"
            outcome.stage = "run"
        except Exception as exc:  # noqa: BLE001 - a bug must reach the user as a message, not kill the app
            log.error("run failed\n%s", "".join(traceback.format_exception(exc)))
            outcome.error = f"Something went wrong: {type(exc).__name__}: {exc}"
        if self.cancelled():
            self._emit(self.signals.cancelled, self.request.job)
        else:
            self._emit(self.signals.finished, outcome)

    def _stages(self, outcome: RunOutcome) -> None:
        req = self.request
        if any(n.decl.is_input for n in req.net):
            outcome.stage = "image"
            outcome.images = prepare_inputs(req.net, req.source, req.normalize, req.original)
            self._emit(self.signals.image_ready, req.job, outcome.images)
        outcome.stage = "weights"
        outcome.weights = complete_weights(
            req.net, req.report, req.arrays, req.seed, req.presets, req.weights_file, self.cancelled,
            lambda done, total, nid: self._progress(done, total, f"weights {nid}"), req.cache)
        if not req.execute:
            outcome.stage = ""
            return
        outcome.stage = "network"
        if req.report.errors:
            raise ConvStudioError(f"cannot run: {req.report.errors[0].message}")
        if outcome.images is None:
            raise ConvStudioError("cannot run: the network has no Input layer")
        outcome.stage = "run"
        feeds = {nid: images.to_batch(x) for nid, x in outcome.images.prepared.items()}
        start = time.perf_counter()
        outcome.activations = run_network(
            req.net, feeds, outcome.weights.arrays, cancel=self.cancelled, memory_limit=req.memory_limit,
            progress=lambda done, total, nid: self._progress(done, total, nid))
        outcome.seconds = time.perf_counter() - start
        outcome.stage = ""

    def _progress(self, done: int, total: int, what: str) -> None:
        """At most every PROGRESS_S (and at the end): a 500-layer network would otherwise send 500
        signals in a few milliseconds, each one a turn of the window's event loop."""
        now = time.monotonic()
        if done < total and now - self._last_progress < PROGRESS_S:
            return
        self._last_progress = now
        self._emit(self.signals.progress, self.request.job, done, total, what)

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window closed while we ran: nobody is listening any more
            self.cancel_flag.set()
