"""The weights the panels run with, and where each layer's came from (seed, preset or file).

No Qt here: `complete_weights` runs in the worker thread (initialising VGG-16 takes seconds),
and both are easy to test on their own.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import layers
from . import memory
from . import presets as preset_lib
from .infer import Report
from .weights import WeightSet, split_keys, expected_shapes, node_rng, read_entries
from ..io.npz import NpzReader
from ..errors import ConvStudioError, RunCancelled
from ..graph import Network
from ..layers import fmt_shape


def preset_arrays(name: str, shapes: dict[str, tuple]) -> dict[str, np.ndarray]:
    """A Conv2D node's weight (and zero bias) for preset `name`; ConvStudioError if it does not apply."""
    out = {"weight": preset_lib.preset_weights(name, shapes["weight"])}
    if "bias" in shapes:
        out["bias"] = preset_lib.preset_bias(name, shapes["bias"][0])
    return out


def fits(arrays: dict[str, np.ndarray] | None, shapes: dict[str, tuple]) -> bool:
    return arrays is not None and set(arrays) == set(shapes) and \
        all(tuple(arrays[k].shape) == tuple(s) for k, s in shapes.items())


def refolded(arrays: dict[str, np.ndarray] | None, shapes: dict[str, tuple]) -> dict[str, np.ndarray] | None:
    """The same numbers in the new shapes when a Dense layer became a convolution or back.

    Dense (out, C·H·W) and Conv2D (out, C, H, W) hold the same weights in C order (that is what
    Flatten does), so converting a layer, and undoing it, keeps its numbers and the outputs.
    """
    if arrays is None or set(arrays) != set(shapes):
        return None
    for k, s in shapes.items():
        a = arrays[k]
        if a.size != int(np.prod(s)) or a.shape[:1] != tuple(s)[:1]:
            return None
    return {k: arrays[k].reshape(s) for k, s in shapes.items()}


class InitCache:
    """Random initial arrays keyed by everything that determines them (seed, layer id, type,
    parameters, input shapes), shared by jobs: drawing VGG-16's weights takes seconds, and a
    job superseded half-way should not throw that work away."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[tuple, dict[str, np.ndarray]] = {}

    @staticmethod
    def key(seed: int, node, input_shapes) -> tuple:
        return (int(seed), node.id, node.type, json.dumps(node.params, sort_keys=True),
                tuple(tuple(s) for s in input_shapes))

    def get(self, key: tuple) -> dict[str, np.ndarray] | None:
        with self._lock:
            return self._data.get(key)

    def put(self, key: tuple, arrays: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._data[key] = arrays

    def keep_only(self, keys: set[tuple]) -> None:
        """Drop what no longer matches the network (frees the memory of replaced layers)."""
        with self._lock:
            self._data = {k: v for k, v in self._data.items() if k in keys}

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class Completed:
    """What `complete_weights` produced and what the user should be told about it."""

    arrays: WeightSet
    reinitialised: set[str] = field(default_factory=set)   # drawn from the seed afresh
    loaded: set[str] | None = None                          # from the file, when one was read
    dropped_presets: set[str] = field(default_factory=set)  # presets that no longer apply
    file_error: str | None = None
    mismatched: list[str] = field(default_factory=list)     # file entries that did not fit


def complete_weights(net: Network, report: Report, arrays: WeightSet, seed: int, presets: dict[str, str],
                     file: str | os.PathLike | None = None, cancel: Callable[[], bool] = lambda: False,
                     progress: Callable[[int, int, str], None] | None = None,
                     cache: InitCache | None = None) -> Completed:
    """Arrays for every layer that needs some: keep what fits (like `refresh_weights`), re-apply
    presets at a changed size, draw the rest from (seed, layer id); cancellable between layers.

    With `file`, its fitting arrays replace the current ones first.
    """
    shapes = expected_shapes(net, report)
    done = Completed(arrays={})
    if file is not None:
        arrays = _read_file(file, shapes, done, arrays)
    arrays = dict(arrays)
    for nid, s in shapes.items():
        if not fits(arrays.get(nid), s) and (same := refolded(arrays.get(nid), s)) is not None:
            arrays[nid] = same
    todo = [nid for nid, s in shapes.items() if not fits(arrays.get(nid), s)]
    done.arrays = {nid: arrays[nid] for nid in shapes if nid not in todo}
    memory.check_weight_draw([report.nodes[nid].params or 0 for nid in todo])  # refuse before drawing any
    for i, nid in enumerate(todo, 1):
        if cancel():
            raise RunCancelled("run cancelled")
        done.arrays[nid] = _fresh(net, report, nid, shapes[nid], seed, presets, done, cache)
        if progress is not None:
            progress(i, len(todo), nid)
    return done


def _read_file(file, shapes: dict[str, dict], done: Completed, current: WeightSet) -> WeightSet:
    """The file's fitting arrays (the others are drawn afresh); on a bad file, `current` stays.

    Shapes are compared from the archive's headers: only arrays that fit are ever read."""
    try:
        with NpzReader(file) as npz:
            keys = split_keys(file, npz.entries)
            stored: dict[str, dict[str, tuple]] = {}
            for key, (nid, name) in keys.items():
                stored.setdefault(nid, {})[name] = npz.entries[key].shape
            done.loaded = {nid for nid, ws in stored.items() if nid in shapes and _same_shapes(ws, shapes[nid])}
            for nid, ws in stored.items():
                if nid in shapes and nid not in done.loaded:
                    got = ", ".join(f"{k} {fmt_shape(s)}" for k, s in ws.items())
                    want = ", ".join(f"{k} {fmt_shape(s)}" for k, s in shapes[nid].items())
                    done.mismatched.append(f"{nid} (file has {got}, the layer needs {want})")
            return read_entries(npz, {k: v for k, v in keys.items() if v[0] in done.loaded})
    except ConvStudioError as exc:
        done.file_error = str(exc)
        done.loaded, done.mismatched = None, []
        return current


def _same_shapes(stored: dict[str, tuple], wanted: dict[str, tuple]) -> bool:
    return set(stored) == set(wanted) and all(tuple(stored[k]) == tuple(s) for k, s in wanted.items())


def _fresh(net: Network, report: Report, nid: str, shapes: dict, seed: int, presets: dict[str, str],
           done: Completed, cache: InitCache | None) -> dict[str, np.ndarray]:
    if nid in presets:
        try:
            return preset_arrays(presets[nid], shapes)
        except (ConvStudioError, ValueError, KeyError):
            done.dropped_presets.add(nid)
    done.reinitialised.add(nid)
    node = net.node(nid)
    inputs = report.nodes[nid].input_shapes
    key = InitCache.key(seed, node, inputs)
    arrays = cache.get(key) if cache is not None else None
    if arrays is None:
        arrays = layers.get(node.type).init_weights(node.params, inputs, node_rng(seed, nid))
        if cache is not None:
            cache.put(key, arrays)
    return arrays


def cache_keys(net: Network, report: Report, seed: int) -> set[tuple]:
    """The InitCache keys the current network can use."""
    return {InitCache.key(seed, net.node(nid), report.nodes[nid].input_shapes)
            for nid in expected_shapes(net, report)}


@dataclass(frozen=True, eq=False)
class WeightState:
    """Everything a WeightBook holds, frozen: what an undo step puts back.

    Arrays are never edited in place (every change makes new dicts), so a state shares them
    instead of copying: keeping one per undo step costs references, not memory.
    """

    seed: int
    arrays: WeightSet
    presets: dict[str, str]
    loaded: frozenset[str]
    file_name: str | None
    pending_file: str | None
    labels: dict[str, str]

    def same(self, other: "WeightState") -> bool:
        """True when both states hold the very same arrays and provenance."""
        if (self.seed, self.presets, self.loaded, self.file_name, self.pending_file, self.labels) != \
                (other.seed, other.presets, other.loaded, other.file_name, other.pending_file, other.labels):
            return False
        if self.arrays.keys() != other.arrays.keys():
            return False
        return all(self.arrays[n].keys() == other.arrays[n].keys() and
                   all(self.arrays[n][k] is other.arrays[n][k] for k in self.arrays[n]) for n in self.arrays)


class WeightBook:
    """Arrays per layer plus their provenance; the document's undo steps and the controller write it."""

    def __init__(self) -> None:
        self.clear(0)

    def clear(self, seed: int = 0) -> None:
        """Forget everything: the next completion draws every layer from `seed`."""
        self.seed, self.arrays, self.presets, self.loaded, self.file_name = int(seed), {}, {}, set(), None
        self.pending_file: str | None = None   # an .npz to read at the next completion
        self.labels: dict[str, str] = {}       # layer id -> where its arrays came from (Document.set_weights)

    def state(self) -> WeightState:
        return WeightState(self.seed, self.snapshot(), dict(self.presets), frozenset(self.loaded),
                           self.file_name, self.pending_file, dict(self.labels))

    def restore(self, state: WeightState) -> None:
        self.seed, self.arrays, self.presets = state.seed, {n: dict(w) for n, w in state.arrays.items()}, \
            dict(state.presets)
        self.loaded, self.file_name, self.pending_file = set(state.loaded), state.file_name, state.pending_file
        self.labels = dict(state.labels)

    def replaced(self, arrays: WeightSet, label: str) -> WeightState:
        """The current state with `arrays` (whole layers) put in, marked as coming from `label`."""
        state = self.state()
        ids = set(arrays)
        return WeightState(state.seed, {**state.arrays, **{n: dict(w) for n, w in arrays.items()}},
                           {n: p for n, p in state.presets.items() if n not in ids},
                           frozenset(state.loaded - ids), state.file_name, state.pending_file,
                           {**state.labels, **{n: label for n in ids}})

    def rename(self, old: str, new: str) -> None:
        """A layer changed its id: its arrays and provenance follow it."""
        for table in (self.arrays, self.presets, self.labels):
            if old in table:
                table[new] = table.pop(old)
        if old in self.loaded:
            self.loaded = (self.loaded - {old}) | {new}

    def snapshot(self) -> WeightSet:
        """A copy the worker may read while the book changes (arrays are never edited in place)."""
        return {nid: dict(ws) for nid, ws in self.arrays.items()}

    def adopt(self, done: Completed, file_name: str | None = None) -> None:
        self.arrays = done.arrays
        if done.loaded is not None:
            self.loaded, self.presets, self.file_name = set(done.loaded), {}, file_name
            self.labels = {}
        self.loaded -= done.reinitialised
        for nid in done.dropped_presets | (set(self.presets) - set(done.arrays)):
            self.presets.pop(nid, None)
        self.labels = {n: t for n, t in self.labels.items() if n in done.arrays and n not in done.reinitialised}
        self.loaded &= set(done.arrays)

    def set_preset(self, nid: str, name: str, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = {**self.arrays, nid: arrays}
        self.presets[nid] = name
        self.loaded.discard(nid)
        self.labels.pop(nid, None)

    def forget(self, nid: str) -> None:
        """Back to random for one layer (drawn again from the seed at the next completion)."""
        self.arrays = {k: v for k, v in self.arrays.items() if k != nid}
        self.presets.pop(nid, None)
        self.loaded.discard(nid)
        self.labels.pop(nid, None)

    @property
    def pristine(self) -> bool:
        """Exactly what opening the network without a weights file gives: seed 0, nothing chosen."""
        return self.seed == 0 and not self.presets and not self.loaded and not self.labels

    def origin(self, nid: str) -> str:
        if nid in self.presets:
            return f"preset “{self.presets[nid]}”"
        if nid in self.labels:
            return self.labels[nid]
        if nid in self.loaded:
            return f"loaded from {self.file_name or 'a file'}"
        return f"random (seed {self.seed})"

    def describe(self) -> str:
        own = len(self.loaded) + len(self.labels)
        parts = [f"random, seed {self.seed}"] if own < len(self.arrays) else []
        if self.loaded:
            parts.insert(0, f"{len(self.loaded)} layer{'s' * (len(self.loaded) != 1)} from "
                            f"{self.file_name or 'a file'}")
        for label in dict.fromkeys(self.labels.values()):
            count = sum(1 for t in self.labels.values() if t == label)
            parts.append(f"{count} layer{'s' * (count != 1)} {label}")
        if self.presets:
            parts.append("presets: " + ", ".join(f"{n} {p}" for n, p in self.presets.items()))
        return "; ".join(parts) or f"random, seed {self.seed}"
