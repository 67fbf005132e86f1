"""Random edit sequences: undoing them all gives back the original file byte for byte.

Commands are drawn against the network as it is at each step (existing ids, real slots),
so most of them succeed; refused ones must leave the network untouched.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convstudio import layers
from convstudio.errors import GraphError
from convstudio.graph import (
    AddNode,
    Connect,
    Disconnect,
    InsertOnEdge,
    Macro,
    MoveNodes,
    Network,
    RemoveNodes,
    Rename,
    SetMeta,
    SetParams,
    UndoStack,
)
from convstudio.io import dumps, loads

TYPES = layers.names()
SMALL_PARAMS = {
    "filters": st.integers(1, 8), "units": st.integers(1, 8), "kernel_size": st.integers(1, 4),
    "stride": st.integers(1, 3), "padding": st.sampled_from([0, 1, "same", [1, 0]]), "rate": st.sampled_from([0.1, 0.5]),
}


def base() -> Network:
    net = Network("base", "a start")
    for cmd in [AddNode("Input", {"channels": 3, "height": 16, "width": 16}, node_id="image"),
                AddNode("Conv2D", {"filters": 4, "padding": 1}, node_id="conv1", inputs=["image"], position=(0, 110)),
                AddNode("ReLU", node_id="relu1", inputs=["conv1"], position=(0, 220)),
                AddNode("Conv2D", {"filters": 4, "padding": 1}, node_id="conv2", inputs=["relu1"], position=(0, 330)),
                AddNode("Add", node_id="add1", inputs=["conv2", "conv1"], position=(0, 440)),
                AddNode("MaxPool2D", node_id="pool1", inputs=["add1"], position=(0, 550))]:
        cmd.redo(net)
    return net


def draw_command(data, net: Network):
    ids = net.ids()
    some_id = st.sampled_from(ids) if ids else st.just("ghost")
    kind = data.draw(st.sampled_from(["add", "add", "remove", "connect", "disconnect", "params", "move", "move_merge",
                                      "rename", "insert", "meta", "macro"]))
    if kind == "add":
        type_name = data.draw(st.sampled_from(TYPES))
        decl = layers.get(type_name)
        params = {p.name: data.draw(SMALL_PARAMS[p.name]) for p in decl.params
                  if p.name in SMALL_PARAMS and data.draw(st.booleans())}
        inputs = [] if decl.max_inputs == 0 or not ids else data.draw(st.lists(some_id, max_size=2, unique=True))
        index = data.draw(st.none() | st.integers(0, len(ids)))
        return AddNode(type_name, params, (data.draw(st.integers(-500, 500)), 0.5), inputs=inputs, index=index)
    if kind == "remove":
        return RemoveNodes(data.draw(st.lists(some_id, min_size=1, max_size=3)))
    if kind == "connect":
        return Connect(data.draw(some_id), data.draw(some_id))
    if kind == "disconnect":
        return Disconnect(data.draw(some_id), data.draw(st.integers(0, 2)))
    if kind == "params":
        nid = data.draw(some_id)
        decl = layers.get(net.node(nid).type) if nid in net else None
        names = [p.name for p in decl.params if p.name in SMALL_PARAMS] if decl else []
        if not names:
            return SetParams(nid, {"filters": 1})
        name = data.draw(st.sampled_from(names))
        return SetParams(nid, {name: data.draw(SMALL_PARAMS[name])}, merge=data.draw(st.booleans()))
    if kind in ("move", "move_merge"):
        moved = data.draw(st.lists(some_id, min_size=1, max_size=3, unique=True))
        return MoveNodes({i: (data.draw(st.integers(-900, 900)), data.draw(st.sampled_from([0, 12.5, -7.25])))
                          for i in moved}, merge=kind == "move_merge")
    if kind == "rename":
        return Rename(data.draw(some_id), data.draw(st.sampled_from(["stem", "block.1", "conv1", "x_2", "9bad"])))
    if kind == "insert":
        return InsertOnEdge(data.draw(st.sampled_from(["ReLU", "BatchNorm2D", "Dropout", "Input"])), data.draw(some_id),
                            data.draw(st.integers(0, 1)))
    if kind == "meta":
        return SetMeta(name=data.draw(st.sampled_from(["A", "B"])), description=data.draw(st.text(max_size=5)))
    return Macro("two", [draw_command(data, net), draw_command(data, net)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_undo_all_restores_the_original_and_redo_all_the_final_state(data):
    net = base()
    stack = UndoStack(net)
    states = [dumps(net)]  # states[k] = the file after k undo steps
    for _ in range(data.draw(st.integers(1, 14))):
        cmd = draw_command(data, net)
        before = dumps(net)
        try:
            kept = stack.push(cmd)
        except GraphError:
            assert dumps(net) == before, "a refused command changed the network"
            continue
        if kept is cmd:
            states.append(dumps(net))
        else:  # merged into the previous step
            states[-1] = dumps(net)
    for expected in reversed(states[:-1]):
        stack.undo()
        assert dumps(net) == expected
    assert not stack.can_undo
    for expected in states[1:]:
        stack.redo()
        assert dumps(net) == expected
    assert not stack.can_redo
    assert dumps(loads(states[-1])) == states[-1]  # the final state is a loadable file
