"""Networks, weights and comparisons shared by the interop tests."""
from __future__ import annotations

import numpy as np

from convstudio.engine.weights import init_weights
from convstudio.graph import AddNode, Network
from convstudio.graph.examples import every_type_network
from convstudio.io.templates import load_template

# (id, type, params, inputs): a chain through the layer types with awkward settings, for whole-network
# checks that need one output (gradients drop the `softmap` branch).
EVERY_LAYER = [
    ("image", "Input", {"channels": 3, "height": 20, "width": 18}, []),
    ("conv_same", "Conv2D", {"filters": 8, "kernel_size": 3, "stride": 2, "padding": "same"}, ["image"]),
    ("depthwise", "Conv2D", {"filters": 8, "kernel_size": 3, "padding": 2, "dilation": 2, "groups": 8},
     ["conv_same"]),
    ("grouped", "Conv2D", {"filters": 12, "kernel_size": [1, 3], "padding": [0, 1], "groups": 4, "bias": False},
     ["depthwise"]),
    ("shuffle", "ChannelShuffle", {"groups": 4}, ["grouped"]),
    ("bn", "BatchNorm2D", {"eps": 1e-3}, ["shuffle"]),
    ("lrn", "LocalResponseNorm", {"size": 3, "alpha": 0.5, "k": 2.0}, ["bn"]),
    ("leaky", "LeakyReLU", {"negative_slope": 0.2}, ["lrn"]),
    ("deconv", "ConvTranspose2D", {"filters": 6, "kernel_size": 3, "stride": 2, "padding": 1,
                                   "output_padding": 1, "groups": 2}, ["leaky"]),
    ("avg", "AvgPool2D", {"kernel_size": 3, "stride": 1, "padding": 1}, ["deconv"]),
    ("side", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": 1}, ["image"]),
    ("sig", "Sigmoid", {}, ["side"]),
    ("tanh", "Tanh", {}, ["sig"]),
    ("cat", "Concat", {}, ["avg", "tanh"]),
    ("shortcut", "Conv2D", {"filters": 10, "kernel_size": 1}, ["image"]),
    ("add", "Add", {}, ["cat", "shortcut"]),
    ("max", "MaxPool2D", {"kernel_size": 2}, ["add"]),
    ("avg_pad", "AvgPool2D", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}, ["max"]),
    ("up", "Upsample2D", {"scale_factor": [2, 3]}, ["avg_pad"]),
    ("zpad", "ZeroPad2D", {"padding": [1, 0, 2, 3]}, ["up"]),
    ("relu", "ReLU", {}, ["zpad"]),
    ("softmap", "Softmax", {}, ["relu"]),
    ("gap", "GlobalAvgPool2D", {}, ["relu"]),
    ("flat", "Flatten", {}, ["gap"]),
    ("drop", "Dropout", {"rate": 0.3}, ["flat"]),
    ("fc", "Dense", {"units": 7, "bias": False}, ["drop"]),
    ("probs", "Softmax", {}, ["fc"]),
]


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
