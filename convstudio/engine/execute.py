"""Forward passes: every node's output for a batch of images, float32 end to end."""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .. import layers
from ..errors import ConvStudioError, ResourceLimitError, RunCancelled
from ..graph import Network
from . import memory
from .infer import Report, infer
from .weights import WeightSet, check_weights, init_weights

Progress = Callable[[int, int, str], None]


def run(net: Network, x: np.ndarray | Mapping[str, np.ndarray], weights: WeightSet | None = None, *,
        progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
        memory_limit: int | None = None) -> dict[str, np.ndarray]:
    """Run the network on `x` (N, C, H, W) and return every node's output keyed by id.

    `x` may be a mapping {input id: array} for several Input layers. The image size
    may differ from the Input layer's (a fully convolutional network then gives a
    score map). `progress(done, total, node_id)` is called after each layer; when
    `cancel()` returns True the run raises RunCancelled and returns nothing.
    Missing `weights` are initialised with seed 0.
    """
    feeds = feeds_for(net, x)
    first = next(iter(feeds.values()))
    report = infer(net, input_shape=first.shape[1:])
    if report.errors:
        raise ConvStudioError(f"cannot run: {report.errors[0].message}")
    weights = init_weights(net, 0, report) if weights is None else weights
    check_weights(net, weights, report)
    _check_memory(report, first.shape[0], weights, memory_limit, net)
    acts: dict[str, np.ndarray] = {}
    total = len(report.order)
    for done, nid in enumerate(report.order, 1):
        if cancel is not None and cancel():
            raise RunCancelled("run cancelled")
        node = net.node(nid)
        if node.decl.is_input:
            acts[nid] = feeds[nid]
        else:
            decl = layers.get(node.type)
            out = decl.forward(node.params, [acts[s] for s in node.inputs], weights.get(nid, {}), cancel)
            acts[nid] = np.asarray(out, dtype=np.float32)
        if progress is not None:
            progress(done, total, nid)
    return acts


def feeds_for(net: Network, x) -> dict[str, np.ndarray]:
    """{input id: float32 batch} from one array or a mapping, checked against the Input layers."""
    inputs = [n.id for n in net if n.decl.is_input]
    if not inputs:
        raise ConvStudioError("cannot run: the network has no Input layer")
    if not isinstance(x, Mapping):
        if len(inputs) > 1:
            raise ConvStudioError(f"cannot run: the network has {len(inputs)} inputs ({', '.join(inputs)}); "
                                  "give one array per input")
        x = {inputs[0]: x}
    feeds = {}
    for nid in inputs:
        if nid not in x:
            raise ConvStudioError(f"cannot run: no image for input {nid}")
        arr = np.ascontiguousarray(x[nid], dtype=np.float32)
        want = net.node(nid).params["channels"]
        if arr.ndim != 4 or arr.shape[1] != want:
            raise ConvStudioError(f"cannot run: input {nid} needs a batch N×{want}×H×W, got {'×'.join(map(str, arr.shape))}")
        if arr.shape[0] == 0:
            raise ConvStudioError(f"cannot run: the batch for input {nid} holds no images")
        if not np.isfinite(arr).all():
            bad = "NaN" if np.isnan(arr).any() else "infinite"
            raise ConvStudioError(f"cannot run: the image for input {nid} holds {bad} values; "
                                  "every pixel must be a finite number")
        feeds[nid] = arr
    shapes = {a.shape for a in feeds.values()}
    if len(shapes) > 1:
        raise ConvStudioError("cannot run: all inputs must have the same batch and image size")
    return feeds


def check_resources(net: Network, report: Report, batch: int = 1, limit: int | None = None) -> None:
    """ResourceLimitError when a run of `batch` images would not fit in memory; call it before
    preparing a large image, which the estimate includes."""
    _check_memory(report, batch, None, limit, net)


def _check_memory(report: Report, batch: int, weights: WeightSet | None, limit: int | None, net: Network) -> None:
    if weights is None:
        count = sum(r.params or 0 for r in report.nodes.values())
    else:
        count = sum(a.size for ws in weights.values() for a in ws.values())
    need = memory.estimate(report, batch, count, net)
    limit = memory.default_limit() if limit is None else limit
    if need["total"] > limit:
        h = memory.human
        raise ResourceLimitError(
            f"this run needs about {h(need['total'])} (activations {h(need['activations'])} for a batch of "
            f"{batch}, weights {h(need['weights'])}, working space {h(need['scratch'])}) but the limit is "
            f"{h(limit)}; use a smaller batch or image")
