"""Class labels in the network file: round trip, validation, undo, and the check against the output."""
from __future__ import annotations

import json

import pytest

from convstudio.engine.infer import infer
from convstudio.engine.labels import check_labels_fit, class_names, output_classes
from convstudio.engine.transforms import fc_to_conv
from convstudio.errors import ConvStudioError, FormatError, GraphError
from convstudio.graph import AddNode, Network, SetMeta, UndoStack
from convstudio.io import dumps, load_network, loads, save_network
from convstudio.io.templates import open_source

LABELS = ["circle", "square", "triangle"]


def tinyvgg_doc(**extra) -> dict:
    doc = json.loads(dumps(open_source("template:tinyvgg")))
    doc.update(extra)
    return doc


def test_labels_round_trip_through_a_file(tmp_path):
    path = tmp_path / "net.json"
    net = loads(json.dumps(tinyvgg_doc(labels=LABELS)))
    assert net.labels == LABELS
    save_network(net, path)
    text = path.read_text(encoding="utf-8")
    assert '"labels": ["circle", "square", "triangle"]' in text
    assert load_network(path).labels == LABELS
    assert dumps(load_network(path)) == text


def test_files_without_labels_still_load_and_save_without_the_key():
    net = open_source("template:lenet5")
    assert net.labels == []
    assert "labels" not in json.loads(dumps(net))


@pytest.mark.parametrize("labels, message", [
    ("circle", "labels: must be a list, got \"circle\""),
    (["circle", 3], "labels[1]: must be text, got 3"),
    (["circle", ""], "labels[1]: must not be empty"),
    (["circle", "  "], "labels[1]: a class name cannot be empty"),
    (["circle", "square", "circle"], "labels: \"circle\" appears twice; each entry must be different"),
])
def test_bad_labels_are_refused_with_their_path(labels, message):
    with pytest.raises(FormatError) as e:
        loads(json.dumps(tinyvgg_doc(labels=labels)))
    assert str(e.value) == message


def test_the_network_refuses_duplicate_labels_itself():
    with pytest.raises(GraphError, match=r"labels\[1\]: 'a' is already the name of class 0"):
        Network("n", labels=["a", "a"])


def test_set_meta_changes_labels_and_undo_restores_them():
    net = Network("n", labels=["a", "b"])
    stack = UndoStack(net)
    stack.push(AddNode("Input", {"channels": 1, "height": 4, "width": 4}, node_id="image"))
    stack.push(SetMeta(labels=["x", "y", "z"]))
    assert net.labels == ["x", "y", "z"]
    stack.undo()
    assert net.labels == ["a", "b"]
    stack.redo()
    assert net.labels == ["x", "y", "z"]
    with pytest.raises(GraphError):
        stack.push(SetMeta(labels=["x", "x"]))
    assert net.labels == ["x", "y", "z"]


def test_fc_to_conv_keeps_the_labels():
    net = loads(json.dumps(tinyvgg_doc(labels=LABELS)))
    converted, _ = fc_to_conv(net)
    assert converted.labels == LABELS
    assert output_classes(converted) == 3


@pytest.mark.parametrize("template, classes", [("tinyvgg", 3), ("fcn3", 3), ("lenet5", 10), ("vgg16", 1000)])
def test_output_classes_of_templates(template, classes):
    net = open_source(f"template:{template}")
    assert output_classes(net, infer(net)) == classes


def test_score_maps_count_their_channels_as_classes():
    net = open_source("template:fcn3")
    shape = net.node(next(n.id for n in net if n.type == "Input")).params
    report = infer(net, input_shape=(shape["channels"], shape["height"] * 2, shape["width"] * 2))
    out = report.nodes[report.outputs[0]].shape
    assert out[0] == 3 and out[1:] != (1, 1)
    assert output_classes(net, report) == 3


def test_a_label_count_that_differs_from_the_output_warns_and_is_refused_for_training():
    net = loads(json.dumps(tinyvgg_doc(labels=["cat", "dog"])))
    report = infer(net)
    warnings = [d.message for d in report.warnings]
    assert "dense: the network names 2 classes (cat, dog) but its output gives 3 class scores" in warnings
    with pytest.raises(ConvStudioError, match="names 2 classes .* gives 3 class scores"):
        check_labels_fit(net, report)
    assert class_names(net, 3) == ["class 0", "class 1", "class 2"]


def test_matching_labels_give_no_warning_and_name_the_classes():
    net = loads(json.dumps(tinyvgg_doc(labels=LABELS)))
    report = infer(net)
    assert not report.warnings
    assert check_labels_fit(net, report) == 3
    assert class_names(net, 3) == LABELS
