"""Where the views that need numbers from a forward pass get them.

`ControllerSource` follows the panels' run controller (the pass the feature maps show);
`LocalSource` runs the network itself on a sample image, so the views also work alone.
Both hand out a `RunSnapshot` only while it matches the network as it is now: a breakdown
of stale activations would not add up to the value the user clicked.
"""
from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from ...engine import images
from ...engine.execute import run
from ...engine.weights import WeightSet, init_weights
from ...errors import ConvStudioError
from ...graph import Network
from ..jobs import lower_thread_priority
from .host import net_of

log = logging.getLogger("convstudio.qt.explain")

LOCAL_AUTO_MACS = 50_000_000  # a local run starts by itself below this; above it waits for "Run"


@dataclass(frozen=True)
class RunSnapshot:
    net: Network                 # the network the activations belong to
    weights: WeightSet
    acts: dict[str, np.ndarray]  # node id → (1, …) batch of one
    input_id: str | None

    @property
    def image(self) -> np.ndarray | None:
        """(C, H, W) of the first Input layer, exactly as the network received it."""
        return None if self.input_id not in self.acts else self.acts[self.input_id][0]


def first_input(net: Network) -> str | None:
    return next((n.id for n in net if n.decl.is_input), None)


class RunSource(QObject):
    """Base: `changed` fires when `snapshot()` or `status()` would answer differently."""

    changed = Signal()
    can_run = False

    def snapshot(self) -> RunSnapshot | None:
        raise NotImplementedError

    def status(self) -> str:
        """Why there is no snapshot (shown in place of the view), or ""."""
        return ""

    def run(self) -> None:
        """Start a pass (only sources with `can_run`)."""


class ControllerSource(RunSource):
    """The panels' RunController: its latest results, weights and input image."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self._key = None
        self._cache: RunSnapshot | None = None
        for signal in (controller.results_changed, controller.status_changed, controller.weights_changed):
            signal.connect(self._maybe_changed)

    def _state(self):
        c = self.controller
        return (id(c.results), c.stale, c.busy, c.error)

    def _maybe_changed(self) -> None:
        key = self._state()
        if key != self._key:
            self._key = key
            self._cache = None
            self.changed.emit()

    def snapshot(self) -> RunSnapshot | None:
        c = self.controller
        if c.results is None or c.stale:
            return None
        if self._cache is None or self._cache.acts.keys() != c.results.activations.keys():
            net = net_of(c.doc)
            acts = {k: v[None] for k, v in c.results.activations.items()}
            self._cache = RunSnapshot(net, c.weights, acts, first_input(net))
        return self._cache

    def status(self) -> str:
        c = self.controller
        if c.results is None:
            return c.error or ("Running…" if c.busy else "Run the network (F5) to get values to explain.")
        if c.stale:
            return ("The network, image or weights changed since the last run, so its numbers would not add up. "
                    "Press F5 to run it again.")
        return ""


class LocalSource(RunSource):
    """Runs the document's network on a sample image with seed-0 weights (small networks at once)."""

    can_run = True

    def __init__(self, doc, parent=None):
        super().__init__(parent)
        self.doc = doc
        self._snap: RunSnapshot | None = None
        self._error = ""
        self._busy = False
        self._generation = 0
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._auto)
        doc.changed.connect(self._on_doc_changed)
        self._timer.start()

    def snapshot(self) -> RunSnapshot | None:
        return self._snap

    def status(self) -> str:
        if self._busy:
            return "Running…"
        if self._error:
            return self._error
        return "" if self._snap else "Press Run to run the network on a sample image."

    def _on_doc_changed(self, change) -> None:
        if change.structural or change.reset:
            self._generation += 1
            self._snap, self._error = None, ""
            self.changed.emit()
            self._timer.start()

    def _auto(self) -> None:
        report = self.doc.report
        if not report.errors and report.total_macs <= LOCAL_AUTO_MACS:
            self.run(background=False)

    def run(self, background: bool = True) -> None:
        """Run now; in a worker thread unless `background` is False (small networks, tests)."""
        net = net_of(self.doc)
        copy = net.copy()
        generation = self._generation
        if not background:
            self._finish(generation, *_compute(copy))
            return
        self._busy = True
        self.changed.emit()
        job = _Job(copy, generation)
        signals = job.signals
        _jobs.add(signals)

        def done(gen, snap, error):
            _jobs.discard(signals)
            signals.deleteLater()
            self._finish(gen, snap, error)
        signals.done.connect(done)
        QThreadPool.globalInstance().start(job)

    def _finish(self, generation: int, snap: RunSnapshot | None, error: str) -> None:
        self._busy = False
        if generation == self._generation:
            self._snap, self._error = snap, error
        self.changed.emit()


def sample_image(net: Network, input_id: str) -> np.ndarray:
    """The default sample picture, prepared for the Input layer (gray digit for one channel)."""
    p = net.node(input_id).params
    name = "sample:digit" if p["channels"] == 1 else "sample:shapes"
    original = images.load_image_source(name, sample_size=(p["height"], p["width"]))
    return images.prepare_image(original, p["channels"], p["height"], p["width"])


def _compute(net: Network) -> tuple[RunSnapshot | None, str]:
    try:
        input_id = first_input(net)
        if input_id is None:
            raise ConvStudioError("the network has no Input layer to feed")
        weights = init_weights(net, 0)
        acts = run(net, images.to_batch(sample_image(net, input_id)), weights)
        return RunSnapshot(net, weights, acts, input_id), ""
    except ConvStudioError as exc:
        return None, str(exc)
    except MemoryError:
        return None, "not enough memory for this run"
    except Exception as exc:  # noqa: BLE001 - shown in the view, never a traceback
        log.error("explain run failed\n%s", "".join(traceback.format_exception(exc)))
        return None, f"Something went wrong: {type(exc).__name__}: {exc}"


class _Signals(QObject):
    done = Signal(int, object, str)


_jobs: set[_Signals] = set()  # keeps each job's signal object alive until it reports


class _Job(QRunnable):
    def __init__(self, net: Network, generation: int):
        super().__init__()
        self.net, self.generation, self.signals = net, generation, _Signals()

    def run(self) -> None:
        lower_thread_priority()  # the window paints first
        snap, error = _compute(self.net)
        try:
            self.signals.done.emit(self.generation, snap, error)
        except RuntimeError:  # the view closed meanwhile
            pass
