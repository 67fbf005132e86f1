"""Builders for the explain view tests: networks, documents, runs and a run source holding one."""
from __future__ import annotations

import numpy as np

from convstudio import init_weights, run
from convstudio.graph import AddNode, Network
from convstudio.io.templates import load_template
from convstudio.qt.document.document import Document
from convstudio.qt.explain.run_source import RunSnapshot, RunSource


def build(*layers, name: str = "test") -> Network:
    """layers: (id, type, params, inputs) in run order."""
    net = Network(name)
    for i, (nid, kind, params, inputs) in enumerate(layers):
        AddNode(kind, params, (0, 100 * i), nid, inputs).redo(net)
    return net


def conv_net(channels=3, size=8, filters=4, kernel=3, padding=1, stride=1, groups=1) -> Network:
    return build(("image", "Input", {"channels": channels, "height": size, "width": size}, []),
                 ("conv", "Conv2D", {"filters": filters, "kernel_size": kernel, "padding": padding,
                                     "stride": stride, "groups": groups}, ["image"]),
                 ("relu", "ReLU", {}, ["conv"]))


def document(net: Network | str) -> Document:
    return Document(load_template(net) if isinstance(net, str) else net)


def snapshot(net: Network, seed: int = 1, size: tuple[int, int] | None = None) -> RunSnapshot:
    """A forward pass computed the way the panels do: init_weights + run on one random image."""
    first = next(n for n in net if n.type == "Input")
    c = first.params["channels"]
    h, w = size or (first.params["height"], first.params["width"])
    x = np.random.default_rng(seed).random((1, c, h, w), dtype=np.float32)
    weights = init_weights(net, seed)
    return RunSnapshot(net, weights, run(net, x, weights), first.id)


class FixedSource(RunSource):
    """A run source holding one snapshot (or none, with a status)."""

    def __init__(self, snap: RunSnapshot | None = None, status: str = "no run"):
        super().__init__()
        self.snap, self._status = snap, status

    def snapshot(self):
        return self.snap

    def status(self) -> str:
        return "" if self.snap else self._status

    def set(self, snap: RunSnapshot | None) -> None:
        self.snap = snap
        self.changed.emit()
