"""Small networks built through graph commands, for the explain tests."""
from __future__ import annotations

import numpy as np

from convstudio.graph import AddNode, Network, UndoStack


def build(*layers, name: str = "test") -> Network:
    """layers: (id, type, params, inputs) in order; positions go down the canvas."""
    net = Network(name)
    stack = UndoStack(net)
    for i, (nid, kind, params, inputs) in enumerate(layers):
        stack.push(AddNode(kind, params, (0, 100 * i), nid, inputs))
    return net


def conv(filters, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True) -> dict:
    return {"filters": filters, "kernel_size": kernel, "stride": stride, "padding": padding,
            "dilation": dilation, "groups": groups, "bias": bias}


def image(rng: np.random.Generator, *shape) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)
