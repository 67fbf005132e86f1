"""Networks for the GUI tests, laid out on the canvas as the app lays out a file without positions."""
from __future__ import annotations

from convstudio.graph import AddNode, Network, layered_positions


def laid_out(name: str, steps, labels=()) -> Network:
    """steps: (type, id, params, inputs) in order; positions from `layered_positions`."""
    net = Network(name, labels=labels)
    for type_name, nid, params, inputs in steps:
        AddNode(type_name, params, node_id=nid, inputs=inputs).redo(net)
    for nid, pos in layered_positions(net).items():
        net.node(nid).position = pos
    return net
