"""What the inspection panels show: the image, the weights and the latest forward pass.

Every change that affects the outputs (an edit, a new image, new weights) bumps `revision`;
a pass runs in a worker thread on a private copy of the network, and its activations are
adopted only if `revision` has not moved since it started. A newer pass cancels an older
one. Weights are completed in the worker too (VGG-16's take seconds to draw), keeping every
array that still fits, so editing one layer re-initialises that layer only.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QThreadPool, QTimer, Signal

from ...engine.infer import Report
from ...engine.numbers import short
from ...engine.weights import WeightSet, expected_shapes, save_weights
from ...errors import ConvStudioError
from ...graph import Change, Network
from ...wording import a, counted
from ...engine import weight_book
from ...engine.weight_book import InitCache, WeightBook, cache_keys, complete_weights
from ..jobs import Job, start_job
from ..messages import notify
from .run_worker import InputImages, RunOutcome, RunRequest, run_pass, sample_size

AUTO_RUN_MAX_MACS = 2_000_000_000   # above this, edits do not start a run by themselves
DEBOUNCE_MS = 80                    # typing a value pushes several edits: run once after them
SETTINGS_AUTO_RUN = "panels/autoRun"
DEFAULT_SAMPLE = "sample:shapes"
GRAY_SAMPLE = "sample:digit"


@dataclass
class RunResults:
    """One finished pass: per-sample outputs (batch axis removed) and what they were computed for."""

    activations: dict[str, np.ndarray]
    revision: int
    report: Report
    seconds: float
    source: str


@dataclass
class _Pass:
    """The job running the latest pass, and what the window asked of it."""

    job: Job
    request: RunRequest
    explicit: bool
    note: str | None


def fmt_seconds(seconds: float) -> str:
    """0.004 → "4 ms", 6.2 → "6.2 s"."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def short_macs(macs: int) -> str:
    return short(macs, prefixes="GM", always=True)


class RunController(QObject):
    busy_changed = Signal(bool)
    progress = Signal(int, int, str)        # done, total, what (layer id or "weights <id>")
    results_changed = Signal()
    weights_changed = Signal()
    images_changed = Signal()
    status_changed = Signal()               # stale / error / busy: panels refresh their notes
    source_changed = Signal(str)
    normalization_changed = Signal(object)
    seed_changed = Signal(int)
    auto_run_changed = Signal(bool)

    def __init__(self, doc, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.settings = settings
        self.book: WeightBook = doc.weight_book  # the document's: its undo steps restore it
        self.init_cache = InitCache()
        self.source = self._default_source()
        self._good_source = self.source
        self._source_chosen = False
        self.normalize: str | None = None
        self.revision = 0
        self._net_rev = 0
        self._weights_rev = 0
        self.results: RunResults | None = None
        self.images: InputImages | None = None
        self.error: str | None = None
        self.busy = False
        self._busy_since = 0.0
        self.auto_run = self._read_auto_run()
        self._big_noticed = False
        self._original: tuple[tuple, np.ndarray] | None = None
        self._job: _Pass | None = None
        self._job_id = 0
        self._want_execute = False
        self._explicit = False
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)  # a superseded pass may take a moment to notice its cancel flag
        self.debounce_ms = DEBOUNCE_MS
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._start)
        doc.changed.connect(self._on_doc_changed)
        doc.weights_replaced.connect(self._on_weights_replaced)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- state ------------------------------------------------------------------------------------
    @property
    def weights(self) -> WeightSet:
        return self.book.arrays

    @property
    def seed(self) -> int:
        return self.book.seed

    @property
    def _pending_file(self) -> str | None:
        return self.book.pending_file

    @_pending_file.setter
    def _pending_file(self, path: str | None) -> None:
        self.book.pending_file = path

    @property
    def stale(self) -> bool:
        """The shown results were computed before the latest change."""
        return self.results is not None and self.results.revision != self.revision

    @property
    def working(self) -> bool:
        """A job (a pass, or preparing the image and weights) is scheduled or running."""
        return self.busy or self._timer.isActive()

    @property
    def pending(self) -> bool:
        """A forward pass is scheduled or running: the results shown are about to be replaced."""
        running = self._job is not None and self._job.request.execute
        return running or (self._timer.isActive() and self._want_execute)

    def busy_seconds(self) -> float:
        """How long the current job has been running (0 when idle)."""
        return time.monotonic() - self._busy_since if self.busy else 0.0

    def auto_run_allowed(self) -> bool:
        return self.doc.report.total_macs < AUTO_RUN_MAX_MACS

    def auto_run_effective(self) -> bool:
        return self.auto_run and self.auto_run_allowed()

    def start(self) -> None:
        """First pass after the panels are installed (runs at once for a small network)."""
        self._check_auto_run_size()
        self._schedule(self.auto_run_effective(), delay=0)

    # -- commands from the panels -------------------------------------------------------------------
    def run(self) -> None:
        """Run now (F5), whatever the automatic setting; supersedes a pass in progress."""
        self._explicit = True
        self._schedule(True, delay=0)

    def cancel(self) -> None:
        """Stop the pass in progress; the panels keep showing the previous results."""
        self._timer.stop()
        self._want_execute = False
        if self._job is not None:
            self._job.job.cancel()

    def set_auto_run(self, on: bool) -> None:
        on = bool(on)
        if on == self.auto_run:
            return
        self.auto_run = on
        if self.settings is not None:
            self.settings.setValue(SETTINGS_AUTO_RUN, on)
        self.auto_run_changed.emit(on)
        if on:
            self._big_noticed = False
            if self._check_auto_run_size() and (self.results is None or self.stale):
                self._schedule(True, delay=0)

    def set_source(self, source: str) -> None:
        """"sample:NAME" or an image file path; a file that cannot be read is reported and dropped."""
        if source == self.source:
            return
        self.source = source
        self._source_chosen = True
        self.source_changed.emit(source)
        self._inputs_changed()

    def set_normalization(self, normalize: str | None) -> None:
        if normalize == self.normalize:
            return
        self.normalize = normalize
        self.normalization_changed.emit(normalize)
        self._inputs_changed()

    def set_seed(self, seed: int) -> None:
        """Draw every layer's weights from `seed` (drops presets and loaded weights)."""
        seed = int(seed)
        if seed == self.book.seed and not self.book.presets and not self.book.loaded and not self.book.labels:
            return
        self.doc.edit_weights(f"Random weights, seed {seed}", lambda book: book.clear(seed))

    def randomize(self) -> int:
        seed = self.book.seed
        while seed == self.book.seed:
            seed = random.randint(1, 99_999)
        self.set_seed(seed)
        return seed

    def apply_preset(self, node_id: str, name: str) -> None:
        """Give a Conv2D layer a hand-made filter (engine.presets); ConvStudioError if it cannot take it."""
        node = self.doc.net.node(node_id)
        if not node.decl.has_filters:
            raise ConvStudioError(f"filter presets apply to Conv2D layers; {node_id} is {a(node.type)}")
        shapes = expected_shapes(self.doc.net, self.doc.report).get(node_id)
        if shapes is None:
            raise ConvStudioError(f"{node_id}: its input shape is unknown, so its filters cannot be set")
        arrays = weight_book.preset_arrays(name, shapes)
        self.doc.edit_weights(f"Filter preset {name} on {node_id}",
                              lambda book: book.set_preset(node_id, name, arrays))

    def reset_node(self, node_id: str) -> None:
        """Back to random weights (from the seed) for one layer."""
        self.doc.edit_weights(f"Random weights for {node_id}", lambda book: book.forget(node_id))

    def load_weights_file(self, path: str | Path) -> None:
        """Read an .npz in the worker: layers that fit take its arrays, the others are drawn from the seed."""
        self.doc.edit_weights(f"Load weights from {Path(path).name}",
                              lambda book: setattr(book, "pending_file", str(path)))

    def save_weights_file(self, path: str | Path) -> None:
        """Write the current weights (complete for the current network) to an .npz now."""
        self.complete_now()
        save_weights(path, self.book.arrays)

    # -- saved with the network ------------------------------------------------------------------------
    def save_weights_beside(self, json_path: str | Path) -> str | None:
        """Write "<stem>.weights.npz" beside the network file and return that relative name.

        Returns None (write nothing) when the weights are exactly what opening the network
        without a weights file gives (seed 0, no presets, nothing loaded): no 500 MB file for
        VGG-16's random weights.
        """
        if self.book.pristine and self._pending_file is None:
            return None
        json_path = Path(json_path)
        name = f"{json_path.stem}.weights.npz"
        self.save_weights_file(json_path.parent / name)
        return name

    def load_weights_beside(self, json_path: str | Path | None, network: Network) -> Path | None:
        """Start from the weights file the network names (relative to `json_path`), else seed 0."""
        self.book.clear(0)
        self.seed_changed.emit(0)
        path = Path(json_path).parent / network.weights if json_path and network.weights else None
        self._pending_file = str(path) if path else None
        self._weights_edited()
        return path

    def complete_now(self) -> None:
        """Make the weights complete for the current network on this thread (before saving them)."""
        done = complete_weights(self.doc.net, self.doc.report, self.book.snapshot(), self.book.seed,
                                {} if self._pending_file else dict(self.book.presets), self._pending_file,
                                cache=self.init_cache)
        self._adopt_weights(done, self._pending_file)

    def shutdown(self) -> None:
        """Stop any pass and wait for the worker threads (window closing, app quitting)."""
        self.cancel()
        self.pool.waitForDone(5000)

    def watch_close(self, window) -> None:
        """Cancel a pass in progress when `window` closes, so closing never waits for a long run."""
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close:  # the close may still be refused (unsaved changes): look after
            QTimer.singleShot(0, self, self._cancel_if_closed)
        return False

    def _cancel_if_closed(self) -> None:
        try:
            closed = not self._window.isVisible()
        except RuntimeError:  # already deleted
            closed = True
        if closed:
            self.cancel()

    # -- following the document --------------------------------------------------------------------
    def _on_doc_changed(self, change: Change) -> None:
        if not (change.structural or change.reset):
            return  # moved cards change no output
        self.revision += 1
        self._net_rev += 1
        if change.reset:
            self._reset_for_new_network()
        self._check_auto_run_size()
        self.status_changed.emit()
        self._schedule(self.auto_run_effective())

    def _reset_for_new_network(self) -> None:
        self.results = None
        self.images = None
        self.error = None
        self._big_noticed = False
        if not self._source_chosen:
            self.source = self._default_source()
            self._good_source = self.source
            self.source_changed.emit(self.source)
        self._weights_rev += 1  # the document has reset the weights (Document.replace)
        self.results_changed.emit()
        self.weights_changed.emit()
        self.images_changed.emit()

    def _default_source(self) -> str:
        first = next((n for n in self.doc.net if n.decl.is_input), None)
        return GRAY_SAMPLE if first is not None and first.params["channels"] == 1 else DEFAULT_SAMPLE

    def _check_auto_run_size(self) -> bool:
        """True when edits may start runs; says once per network why they do not."""
        allowed = self.auto_run_allowed()
        if self.auto_run and not allowed and not self._big_noticed:
            self._big_noticed = True
            notify(f"Automatic runs are off for this network ({short_macs(self.doc.report.total_macs)}MACs, "
                   f"more than {short_macs(AUTO_RUN_MAX_MACS)}MACs): press F5 to run it.", "info")
        elif allowed:
            self._big_noticed = False
        return allowed

    def _inputs_changed(self) -> None:
        self.revision += 1
        self.status_changed.emit()
        self._schedule(self.auto_run_effective())

    def _on_weights_replaced(self) -> None:
        self.seed_changed.emit(self.book.seed)
        self._weights_edited()

    def _weights_edited(self) -> None:
        self.revision += 1
        self._weights_rev += 1
        self.weights_changed.emit()
        self.status_changed.emit()
        self._schedule(self.auto_run_effective())

    # -- jobs ------------------------------------------------------------------------------------------
    def _schedule(self, execute: bool, delay: int | None = None) -> None:
        """Start a job after `delay` ms (default: debounce_ms); several requests in that time make one job."""
        self._want_execute = self._want_execute or execute
        self._timer.start(self.debounce_ms if delay is None else delay)

    def _start(self) -> None:
        execute, explicit = self._want_execute, self._explicit
        self._want_execute = self._explicit = False
        report = self.doc.report
        note = None
        if execute and report.errors and not explicit:
            execute = False
            note = f"Not run: {report.errors[0].message}"
        if self._job is not None:
            self._job.job.cancel()  # superseded: its outcome will be ignored
        self._job_id += 1
        request, job_id = self._request(self._job_id, execute, report), self._job_id
        job = start_job(partial(run_pass, request), pool=self.pool, parent=self,
                        on_progress=lambda report: self._on_report(job_id, report),
                        on_finished=self._on_finished, on_cancelled=lambda: self._on_cancelled(job_id),
                        on_failed=lambda text: self._on_finished(RunOutcome(request, error=text, stage="run")))
        self._job = _Pass(job, request, explicit, note)
        self._set_busy(True)

    def _request(self, job: int, execute: bool, report: Report) -> RunRequest:
        net = self.doc.net.copy()
        key = (self.source, sample_size(net))
        original = self._original[1] if self._original and self._original[0] == key else None
        return RunRequest(
            job=job, revision=self.revision, weights_key=(self._net_rev, self._weights_rev), net=net,
            report=report, arrays=self.book.snapshot(), seed=self.book.seed,
            presets={} if self._pending_file else dict(self.book.presets), source=self.source,
            normalize=self.normalize, weights_file=self._pending_file, original=original, execute=execute,
            cache=self.init_cache)

    def _current(self, job: int) -> bool:
        return self._job is not None and job == self._job_id

    def _on_report(self, job: int, report) -> None:
        """From the pass: the prepared image, or (done, total, what)."""
        if isinstance(report, InputImages):
            self._on_image_ready(job, report)
        elif self._current(job):
            self.progress.emit(*report)

    def _on_image_ready(self, job: int, images: InputImages) -> None:
        if not self._current(job):
            return
        req = self._job.request
        self._original = ((req.source, sample_size(req.net)), images.original)
        if req.source == self.source and req.normalize == self.normalize:
            self._good_source = req.source
            self.images = images
            self.images_changed.emit()

    def _on_cancelled(self, job: int) -> None:
        if not self._current(job):
            return  # superseded by a newer job, which is running now
        self._job = None
        self._set_busy(False)
        notify("Run cancelled; the panels show the previous results.")

    def _on_finished(self, outcome: RunOutcome) -> None:
        job = outcome.request.job
        if not self._current(job):
            return
        explicit, note = self._job.explicit, self._job.note
        self._job = None
        req = outcome.request
        if outcome.weights is not None and req.weights_key == (self._net_rev, self._weights_rev):
            self._adopt_weights(outcome.weights, req.weights_file)
        if outcome.error is not None:
            self._report_error(outcome, explicit)
        else:
            self.error = note
        if outcome.error is None and outcome.activations is not None and req.revision == self.revision:
            self.results = RunResults({k: v[0] for k, v in outcome.activations.items()}, req.revision,
                                      req.report, outcome.seconds, req.source)
            self.error = None
            self.results_changed.emit()
            if explicit:
                notify(f"Ran {req.net.name} in {fmt_seconds(outcome.seconds)}.")
        self._set_busy(False)
        self.status_changed.emit()

    def _adopt_weights(self, done: weight_book.Completed, file: str | None) -> None:
        self.book.adopt(done, Path(file).name if file else None)
        self.init_cache.keep_only(cache_keys(self.doc.net, self.doc.report, self.book.seed))
        if file is not None and file == self._pending_file:
            self._pending_file = None
            self._tell_about_file(done, Path(file).name)
        self.weights_changed.emit()

    def _tell_about_file(self, done: weight_book.Completed, name: str) -> None:
        if done.file_error:
            notify(f"{done.file_error}; using random weights where none were loaded.", "error")
        elif done.mismatched:
            notify(f"Loaded {counted(len(done.loaded), 'layer')} from {name}; these did not fit and got random "
                   f"weights: {'; '.join(done.mismatched)}", "warning")
        else:
            notify(f"Loaded weights for {counted(len(done.loaded), 'layer')} from {name}.")

    def _report_error(self, outcome: RunOutcome, explicit: bool) -> None:
        self.error = outcome.error
        if outcome.stage == "image" and outcome.request.source == self.source and self.source != self._good_source:
            self.source = self._good_source
            self.source_changed.emit(self.source)
            notify(f"{outcome.error}. Keeping the previous image.", "error")
            self.revision += 1
            self._schedule(self.auto_run_effective(), delay=0)
            return
        if explicit or outcome.stage != "network":
            notify(outcome.error, "error")

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self._busy_since = time.monotonic()
            self.busy_changed.emit(busy)
            self.status_changed.emit()

    def _read_auto_run(self) -> bool:
        if self.settings is None:
            return True
        value = self.settings.value(SETTINGS_AUTO_RUN, True)
        return value if isinstance(value, bool) else str(value).lower() != "false"
