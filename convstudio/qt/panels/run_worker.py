"""One forward pass off the GUI thread: image → weights → activations, cancellable between layers.

`run_pass` is the work of one `jobs.start_job`: it reads only its private `RunRequest` (a copy of
the network and a snapshot of the weights), never the live document, and hands everything back
through the job's reports and result; the controller decides whether the outcome is still wanted.
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from ...engine import images
from ...engine.execute import run as run_network
from ...engine.infer import Report
from ...engine.weights import WeightSet
from ...errors import ConvStudioError, RunCancelled
from ...engine.weight_book import Completed, InitCache, complete_weights
from ...graph import Network
from ..jobs import Job

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


def run_pass(request: RunRequest, job: Job) -> RunOutcome | None:
    """The work of one job (on a pool thread): the outcome, with or without an error; None when cancelled.

    Reports the prepared image (InputImages) as soon as it is ready, then (done, total, what).
    """
    outcome = RunOutcome(request)
    try:
        _stages(outcome, job)
    except RunCancelled:
        raise
    except ConvStudioError as exc:
        outcome.error = str(exc)
    except MemoryError:
        outcome.error = "not enough memory for this run; use a smaller image or network"
        outcome.stage = "run"
    except Exception as exc:  # noqa: BLE001 - a bug must reach the user as a message, not kill the app
        log.error("run failed\n%s", "".join(traceback.format_exception(exc)))
        outcome.error = f"Something went wrong: {type(exc).__name__}: {exc}"
    return None if job.is_cancelled else outcome


def _stages(outcome: RunOutcome, job: Job) -> None:
    req = outcome.request
    cancelled = lambda: job.is_cancelled  # noqa: E731
    progress = _throttled(job)
    if any(n.decl.is_input for n in req.net):
        outcome.stage = "image"
        outcome.images = prepare_inputs(req.net, req.source, req.normalize, req.original)
        job.report(outcome.images)
    outcome.stage = "weights"
    outcome.weights = complete_weights(
        req.net, req.report, req.arrays, req.seed, req.presets, req.weights_file, cancelled,
        lambda done, total, nid: progress(done, total, f"weights {nid}"), req.cache)
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
    outcome.activations = run_network(req.net, feeds, outcome.weights.arrays, cancel=cancelled,
                                      memory_limit=req.memory_limit, progress=progress)
    outcome.seconds = time.perf_counter() - start
    outcome.stage = ""


def _throttled(job: Job):
    """Progress (done, total, what) at most every PROGRESS_S and at the end: a 500-layer network would
    otherwise send 500 reports in a few milliseconds, each one a turn of the window's event loop."""
    last = [-1.0e9]

    def progress(done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_S:
            return
        last[0] = now
        job.report((done, total, what))
    return progress
