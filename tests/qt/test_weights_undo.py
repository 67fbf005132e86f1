"""Undo and redo give back exactly the weights there were, for every edit command and weight edit.

The panels complete the weights after each edit (here on the test's thread, with
`complete_now`): a change of shape drops the arrays of the layers it touches. Undoing it
must bring back the very arrays that were there — loaded, preset or set — not random ones.
"""
from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine.transforms import FcToConv
from convstudio.engine.weights import init_weights, save_weights
from convstudio.graph import (AddNode, ChangeType, Command, Connect, Disconnect, InsertOnEdge, Macro, MoveNodes,
                              RemoveNodes, Rename, SetMeta, SetParams)
from convstudio.qt.document.document import Document
from convstudio.qt.panels.run_controller import RunController

from .panels.conftest import panels_network


def graph_commands():
    """One or more cases per edit command (after the steps before it, if a list); a new Command
    subclass must be added here."""
    return {
        "add": lambda: AddNode("ReLU", node_id="extra", inputs=["fc"]),
        "delete-relu": lambda: RemoveNodes(["relu1"]),
        "delete-conv": lambda: RemoveNodes(["conv1"]),
        "re-wire": lambda: Macro("re-wire", [Disconnect("pool1", 0), Connect("conv1", "pool1")]),
        "connect": lambda: [Disconnect("pool1", 0), Connect("relu1", "pool1")],
        "disconnect": lambda: Disconnect("conv2", 0),
        "change-K": lambda: SetParams("conv1", {"filters": 4}),
        "change-F": lambda: SetParams("conv2", {"kernel_size": 1}),
        "change-units": lambda: SetParams("fc", {"units": 3}),
        "move": lambda: MoveNodes({"conv1": (400.0, 40.0)}),
        "rename": lambda: Rename("conv2", "c2"),
        "insert": lambda: InsertOnEdge("AvgPool2D", "conv2", 0, node_id="squeeze"),
        "meta": lambda: SetMeta(name="Other"),
        "change-type": lambda: ChangeType("relu1", "Sigmoid"),
        "fc-to-conv": lambda: FcToConv(),
        "macro": lambda: Macro("two edits", [SetParams("conv1", {"filters": 2}), RemoveNodes(["relu1"])]),
    }


COVERED = {FcToConv, AddNode, RemoveNodes, Connect, Disconnect, SetParams, MoveNodes, Rename, InsertOnEdge, SetMeta, Macro,
           ChangeType}


def all_subclasses(cls):
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | all_subclasses(sub)
    return out


def test_every_command_class_is_covered():
    assert all_subclasses(Command) <= COVERED


@pytest.fixture
def setup(qapp, tmp_path):
    doc = Document(panels_network())
    controller = RunController(doc)
    fc = init_weights(doc.net, 7)["fc"]  # "loaded" arrays, unlike the seed-0 ones
    save_weights(tmp_path / "fc.npz", {"fc": fc})
    controller.load_weights_file(tmp_path / "fc.npz")
    controller.complete_now()
    controller.apply_preset("conv1", "sobel-x")
    controller.apply_preset("conv2", "gaussian")
    controller.complete_now()
    yield doc, controller
    controller.shutdown()


def copy_of(controller):
    book = controller.book
    arrays = {n: {k: a.copy() for k, a in ws.items()} for n, ws in book.arrays.items()}
    return arrays, {n: book.origin(n) for n in arrays}


def assert_same(controller, expected):
    arrays, origins = copy_of(controller)
    want_arrays, want_origins = expected
    assert origins == want_origins
    assert arrays.keys() == want_arrays.keys()
    for nid, ws in want_arrays.items():
        assert ws.keys() == arrays[nid].keys(), nid
        for k, a in ws.items():
            assert np.array_equal(arrays[nid][k], a), f"{nid}/{k}"


def test_the_setup_holds_loaded_and_preset_weights(setup):
    _doc, controller = setup
    assert controller.book.origin("fc").startswith("loaded from fc.npz")
    assert "sobel-x" in controller.book.origin("conv1") and "gaussian" in controller.book.origin("conv2")


@pytest.mark.parametrize("case", list(graph_commands()))
def test_undo_and_redo_of_a_graph_edit_restore_the_exact_weights(setup, case):
    doc, controller = setup
    *prepare, command = np.atleast_1d(graph_commands()[case]())
    for step in prepare:
        doc.push(step)
        controller.complete_now()
    before = copy_of(controller)
    doc.push(command)
    controller.complete_now()
    after = copy_of(controller)
    doc.stack.undo()
    controller.complete_now()
    assert_same(controller, before)
    doc.stack.redo()
    controller.complete_now()
    assert_same(controller, after)
    doc.stack.undo()
    controller.complete_now()
    assert_same(controller, before)


def weight_edits(tmp_path):
    def load(controller):
        path = tmp_path / "all.npz"
        save_weights(path, init_weights(controller.doc.net, 99))
        controller.load_weights_file(path)
    return {
        "preset": lambda c: c.apply_preset("conv1", "laplacian"),
        "seed": lambda c: c.set_seed(5),
        "randomize": lambda c: c.randomize(),
        "reset-layer": lambda c: c.reset_node("conv2"),
        "load-file": load,
        "set-weights": lambda c: c.doc.set_weights(init_weights(c.doc.net, 3), "Train 1 epoch"),
    }


@pytest.mark.parametrize("case", ["preset", "seed", "randomize", "reset-layer", "load-file", "set-weights"])
def test_weight_edits_are_undo_steps_that_mark_the_document_modified(setup, case, tmp_path):
    doc, controller = setup
    doc.stack.setClean()
    before = copy_of(controller)
    steps = doc.stack.count()
    weight_edits(tmp_path)[case](controller)
    controller.complete_now()
    after = copy_of(controller)
    assert doc.stack.count() == steps + 1
    assert doc.modified
    with pytest.raises(AssertionError):  # the edit did change something
        assert_same(controller, before)
    doc.stack.undo()
    controller.complete_now()
    assert_same(controller, before)
    assert not doc.modified
    doc.stack.redo()
    controller.complete_now()
    assert_same(controller, after)


def test_set_weights_is_one_step_and_says_where_the_arrays_came_from(setup):
    doc, controller = setup
    trained = init_weights(doc.net, 11)
    doc.set_weights(trained, "Train 5 epochs")
    assert doc.stack.undoText() == "Train 5 epochs"
    assert controller.book.origin("fc") == "from “Train 5 epochs”"
    assert np.array_equal(controller.weights["conv1"]["weight"], trained["conv1"]["weight"])
    assert not controller.book.pristine


def test_deleting_the_relu_between_preset_convs_and_undoing_keeps_the_presets(setup):
    """The case from the report: the second conv said "random (seed 0)" after the undo."""
    doc, controller = setup
    gaussian = controller.weights["conv2"]["weight"].copy()
    doc.push(RemoveNodes(["pool1"]))
    controller.complete_now()
    assert "conv2" not in controller.weights
    doc.stack.undo()
    controller.complete_now()
    assert "gaussian" in controller.book.origin("conv2")
    assert np.array_equal(controller.weights["conv2"]["weight"], gaussian)


def test_renaming_a_layer_keeps_its_weights(setup):
    doc, controller = setup
    fc = controller.weights["fc"]["weight"]
    doc.push(Rename("fc", "classifier"))
    controller.complete_now()
    assert controller.weights["classifier"]["weight"] is fc
    assert controller.book.origin("classifier").startswith("loaded from")
