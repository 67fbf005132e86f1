"""Weights: deterministic initialisation and .npz files keyed "<layer id>/<name>".

Each node draws from its own random stream (seed, node id), so changing one node
re-initialises only that node and a network always starts from the same numbers.
"""
from __future__ import annotations

import io
import math
import os
import zlib
from pathlib import Path

import numpy as np

from .. import layers
from ..errors import ConvStudioError, FormatError, ResourceLimitError
from ..graph import Network
from ..io.atomic import write_atomic
from ..io.npz import NpzReader
from ..layers import fmt_shape
from . import memory
from .infer import Report, infer

WeightSet = dict[str, dict[str, np.ndarray]]


def node_rng(seed: int, node_id: str) -> np.random.Generator:
    """The random stream of one node: stable across runs, processes and machines."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(node_id.encode("utf-8"))])


def expected_shapes(net: Network, report: Report | None = None) -> dict[str, dict[str, tuple]]:
    """Weight shapes every node with known inputs needs."""
    report = report or infer(net)
    out = {}
    for node in net:
        rep = report.nodes[node.id]
        if rep.ok and not node.decl.is_input:
            shapes = layers.get(node.type).weight_shapes(node.params, rep.input_shapes)
            if shapes:
                out[node.id] = shapes
    return out


def init_weights(net: Network, seed: int = 0, report: Report | None = None) -> WeightSet:
    """PyTorch-style default initial weights for every node whose shape is known.

    ResourceLimitError, before anything is drawn, when they would not fit in memory."""
    report = report or infer(net)
    return _draw(net, list(expected_shapes(net, report)), seed, report)


def refresh_weights(net: Network, weights: WeightSet, seed: int = 0, report: Report | None = None) -> WeightSet:
    """Keep every array that still fits; initialise only nodes whose shapes changed or are new."""
    report = report or infer(net)
    fresh: WeightSet = {}
    todo = []
    wanted = expected_shapes(net, report)
    for nid, shapes in wanted.items():
        old = weights.get(nid, {})
        if set(old) == set(shapes) and all(old[k].shape == tuple(s) for k, s in shapes.items()):
            fresh[nid] = old
        else:
            todo.append(nid)
    drawn = _draw(net, todo, seed, report)
    return {nid: fresh[nid] if nid in fresh else drawn.get(nid, {}) for nid in wanted}


def _draw(net: Network, ids: list[str], seed: int, report: Report) -> WeightSet:
    memory.check_weight_draw([report.nodes[nid].params or 0 for nid in ids])
    weights: WeightSet = {}
    for nid in ids:
        node = net.node(nid)
        w = layers.get(node.type).init_weights(node.params, report.nodes[nid].input_shapes, node_rng(seed, nid))
        if w:
            weights[nid] = w
    return weights


def check_weights(net: Network, weights: WeightSet, report: Report | None = None) -> None:
    """Raise ConvStudioError naming the first missing or mis-shaped array and both shapes."""
    for nid, shapes in expected_shapes(net, report).items():
        for name, shape in shapes.items():
            arr = weights.get(nid, {}).get(name)
            if arr is None:
                raise ConvStudioError(f"{nid}/{name}: missing from the weights (expected {fmt_shape(shape)})")
            if tuple(arr.shape) != tuple(shape):
                raise ConvStudioError(f"{nid}/{name}: expected {fmt_shape(shape)}, the weights have {fmt_shape(arr.shape)}")


def save_weights(path: str | os.PathLike, weights: WeightSet) -> None:
    """Write an .npz atomically, float32 arrays keyed "<layer id>/<name>"."""
    flat = {f"{nid}/{name}": np.asarray(a, np.float32) for nid, ws in weights.items() for name, a in ws.items()}
    buf = io.BytesIO()
    np.savez(buf, **flat)
    write_atomic(path, buf.getvalue())


def load_weights(path: str | os.PathLike, net: Network | None = None, report: Report | None = None) -> WeightSet:
    """Read an .npz (never unpickling); with `net`, only the arrays the network needs, each
    checked against the shape it needs before it is read (FormatError naming both shapes)."""
    with NpzReader(path) as npz:
        keys = split_keys(path, npz.entries)
        if net is not None:
            wanted = expected_shapes(net, report)
            for nid, shapes in wanted.items():
                for name, shape in shapes.items():
                    entry = npz.entries.get(f"{nid}/{name}")
                    if entry is None:
                        raise FormatError(f"{path}: {nid}/{name}: missing from the weights (expected {fmt_shape(shape)})")
                    if entry.shape != tuple(shape):
                        raise FormatError(f"{path}: {nid}/{name}: expected {fmt_shape(shape)}, "
                                          f"the weights have {fmt_shape(entry.shape)}")
            keys = {k: v for k, v in keys.items() if v[0] in wanted and v[1] in wanted[v[0]]}
        return read_entries(npz, keys)


def read_entries(npz: NpzReader, keys: dict[str, tuple[str, str]]) -> WeightSet:
    """Read the archive's `keys` ({key: (layer id, name)}) as float32, after checking they fit in memory."""
    need = sum(npz.entries[k].nbytes + math.prod(npz.entries[k].shape) * memory.FLOAT for k in keys)
    limit = memory.default_limit()
    if need > limit:
        raise ResourceLimitError(f"{npz.path}: reading its arrays needs about {memory.human(need)} "
                                 f"but the limit is {memory.human(limit)}")
    weights: WeightSet = {}
    for key, (nid, name) in keys.items():
        weights.setdefault(nid, {})[name] = npz.read(key)
    return weights


def weights_path_for(json_path: str | os.PathLike) -> Path:
    """NET.json → NET.weights.npz in the same folder."""
    p = Path(json_path)
    stem = p.name[:-5] if p.name.lower().endswith(".json") else p.name
    return p.with_name(stem + ".weights.npz")


def split_keys(path, entries) -> dict[str, tuple[str, str]]:
    """{archive key: (layer id, name)}; FormatError for a key not of the form "<layer id>/<name>"."""
    keys = {}
    for key in entries:
        nid, sep, name = key.rpartition("/")
        if not sep or not nid:
            shown = key if len(key) <= 40 else key[:37] + "..."
            raise FormatError(f"{path}: key {shown!r} is not of the form '<layer id>/<name>'")
        keys[key] = (nid, name)
    return keys
