"""Networks, weights and comparisons shared by the interop tests."""
from __future__ import annotations

import numpy as np

from convstudio.engine.weights import init_weights
from convstudio.graph import AddNode, Network
from convstudio.graph.examples import every_type_network
from convstudio.io.templates import load_template

def build(spec, name: str = "Every layer") -> Network:
    """A network built through edit commands, as the app builds one."""
    net = Network(name)
    for nid, type_name, params, inputs in spec:
        AddNode(type_name, params, node_id=nid, inputs=inputs).redo(net)
    return net


def every_layer() -> Network:
    """Every layer type with each of its declared examples (graph.examples)."""
    return every_type_network("Every layer")


def template(name: str) -> Network:
    return load_template(name)


def vivid_weights(net: Network, seed: int = 1) -> dict:
    """Initial weights with BatchNorm statistics made non-trivial, so eps and the statistics matter."""
    weights = init_weights(net, seed)
    rng = np.random.default_rng(seed)
    for node in net:
        if node.type == "BatchNorm2D":
            c = weights[node.id]["weight"].shape[0]
            weights[node.id] = {
                "weight": rng.uniform(0.5, 1.5, c).astype(np.float32),
                "bias": rng.normal(0, 0.2, c).astype(np.float32),
                "running_mean": rng.normal(0, 0.2, c).astype(np.float32),
                "running_var": rng.uniform(0.2, 2.0, c).astype(np.float32),
            }
    return weights


def sample_input(net: Network, batch: int = 2, seed: int = 0) -> np.ndarray:
    p = next(n for n in net if n.type == "Input").params
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, p["channels"], p["height"], p["width"])).astype(np.float32)


def rel_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    """max |a − b| / max |b|: the relative difference the tolerances are written against."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    return float(np.abs(ours - theirs).max() / max(float(np.abs(theirs).max()), 1e-6))
