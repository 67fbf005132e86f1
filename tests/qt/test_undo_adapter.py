"""The QUndoStack adapter behaves like the model's own UndoStack."""
from __future__ import annotations

import pytest

from convstudio.errors import GraphError
from convstudio.graph import Connect, MoveNodes, SetParams
from convstudio.io import dumps
from convstudio.qt.document.document import Document

from .conftest import small_network


@pytest.fixture
def doc(qtbot):
    return Document(small_network())


def test_push_undo_redo(doc):
    original = dumps(doc.net)
    doc.push(SetParams("conv1", {"filters": 4}))
    assert doc.net.node("conv1").params["filters"] == 4 and doc.modified
    doc.stack.undo()
    assert dumps(doc.net) == original and not doc.modified
    doc.stack.redo()
    assert doc.net.node("conv1").params["filters"] == 4


def test_refused_command_raises_and_is_not_recorded(doc):
    with pytest.raises(GraphError, match="already has it"):
        doc.push(Connect("fc", "conv1"))
    assert doc.stack.count() == 0 and not doc.modified


def test_spin_edits_merge(doc):
    for k in (2, 3, 4):
        doc.push(SetParams("conv1", {"filters": k}, merge=True))
    assert doc.stack.count() == 1
    doc.stack.undo()
    assert doc.net.node("conv1").params["filters"] == 8


def test_drags_merge_only_within_one_token(doc):
    doc.push(MoveNodes({"conv1": (10, 10)}, merge=True), token="a")
    doc.push(MoveNodes({"conv1": (20, 20)}, merge=True), token="a")
    doc.push(MoveNodes({"conv1": (30, 30)}, merge=True), token="b")
    assert doc.stack.count() == 2
    doc.stack.undo()
    assert doc.net.node("conv1").position == (20, 20)
    doc.stack.undo()
    assert doc.net.node("conv1").position == small_network().node("conv1").position


def test_no_merge_across_the_clean_state(doc, tmp_path):
    doc.push(SetParams("conv1", {"filters": 2}, merge=True))
    doc.save(tmp_path / "n.json")
    doc.push(SetParams("conv1", {"filters": 3}, merge=True))
    assert doc.stack.count() == 2 and doc.modified
    doc.stack.undo()
    assert not doc.modified


def test_reinference_only_on_structural_changes(doc):
    report = doc.report
    doc.push(MoveNodes({"conv1": (1, 2)}))
    assert doc.report is report
    doc.push(SetParams("conv1", {"stride": 2}))
    assert doc.report is not report and doc.report.nodes["conv1"].shape == (8, 16, 16)


def test_replace_clears_history(doc):
    doc.push(SetParams("conv1", {"filters": 4}))
    doc.replace(small_network())
    assert doc.stack.count() == 0 and not doc.modified
