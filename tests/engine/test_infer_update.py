"""infer_update: after an edit, the same report as a full inference, re-inferring only what the edit can change."""
from __future__ import annotations

import random

import pytest

from convstudio.engine import infer as infer_module
from convstudio.engine.infer import infer, infer_update
from convstudio.graph import AddNode, Connect, RemoveNodes, SetMeta, SetParams, UndoStack
from convstudio.io.templates import load_template


def summary(report):
    return (report.name, report.order, {nid: (r.type, r.shape, r.params, r.macs, r.receptive_field, r.inputs,
                                               r.input_shapes, r.diagnostics, r.blocked_by)
                                         for nid, r in report.nodes.items()})


def follow(net, edits):
    """Apply each edit like the app does (Change ids from the network), checking each update against infer."""
    report = infer(net)
    seen = []
    net.changed.connect(seen.append)
    for edit in edits:
        edit()
        change = seen[-1]
        report = infer_update(net, report, change.ids) if not change.reset else infer(net)
        assert summary(report) == summary(infer(net))
    return report


@pytest.mark.parametrize("template", ["resnet18", "tinyvgg", "vgg16"])
def test_random_parameter_edits_give_the_full_inference(template):
    net = load_template(template)
    stack = UndoStack(net)
    rng = random.Random(0)
    convs = [n.id for n in net if n.type == "Conv2D"]
    pools = [n.id for n in net if n.type in ("MaxPool2D", "AvgPool2D")]

    def edit():
        nid = rng.choice(convs + pools)
        if nid in convs:
            changes = rng.choice([{"filters": rng.choice([1, 8, 64])}, {"kernel_size": rng.choice([1, 3, 5, 99])},
                                  {"stride": rng.choice([1, 2, 3])}, {"padding": rng.choice([0, 1, 2])}])
        else:
            changes = {"kernel_size": rng.choice([1, 2, 3, 300])}
        stack.push(SetParams(nid, changes))
    actions = [edit] * 25 + [stack.undo] * 10 + [stack.redo] * 4
    follow(net, actions)


def test_structure_edits_and_labels_give_the_full_inference():
    net = load_template("tinyvgg")
    stack = UndoStack(net)
    last = net.ids()[-1]
    follow(net, [lambda: stack.push(SetMeta(labels=["a", "b"])),  # now a label warning on the output
                 lambda: stack.push(SetParams(last, {"units": 2})),  # and gone again
                 lambda: stack.push(AddNode("ReLU", node_id="extra", inputs=[last])),
                 lambda: stack.push(RemoveNodes(["conv2_1"])),
                 lambda: stack.push(Connect("pool1", "relu2_1")),
                 stack.undo, stack.undo, stack.undo, stack.undo])


def test_a_parameter_edit_re_infers_only_the_layers_it_changes(monkeypatch):
    net = load_template("resnet18")
    report = infer(net)
    done = []
    real = infer_module._infer_node
    monkeypatch.setattr(infer_module, "_infer_node", lambda node, *a: (done.append(node.id), real(node, *a)))
    first = next(n for n in net if n.type == "Conv2D")
    seen = []
    net.changed.connect(seen.append)
    SetParams(first.id, {"kernel_size": 5, "padding": 2}).redo(net)  # same output shape, larger receptive field
    report = infer_update(net, report, seen[-1].ids)
    downstream = list(done)
    assert summary(report) == summary(infer(net.copy()))
    assert first.id in downstream and "image" not in downstream  # its field grows below it, not above
    assert len(downstream) == len(set(downstream))  # each at most once
    done.clear()
    last_conv = [n for n in net if n.type == "Conv2D"][-1]
    SetParams(last_conv.id, {"bias": not last_conv.params["bias"]}).redo(net)  # changes its parameter count only
    report = infer_update(net, report, seen[-1].ids)
    outputs = [nid for nid in report.order if nid not in {s for r in report.nodes.values() for s in r.inputs}]
    assert sorted(done) == sorted({last_conv.id, *outputs})  # its shape and field are unchanged: nothing below
    assert summary(report) == summary(infer(net.copy()))
