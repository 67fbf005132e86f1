"""Copy/paste fragments: internal edges kept, fresh ids, offset positions, one undo step."""
from __future__ import annotations

import pytest

from convstudio.errors import GraphError
from convstudio.qt.canvas.clipboard import fragment, free_offset, paste_command

from .conftest import small_network


def test_fragment_keeps_only_internal_edges():
    frag = fragment(small_network(), ["pool1", "relu1"])
    assert [e["id"] for e in frag["layers"]] == ["relu1", "pool1"]
    assert frag["layers"][0]["inputs"] == [] and frag["layers"][1]["inputs"] == ["relu1"]


def test_paste_renames_and_offsets():
    net = small_network()
    cmd, ids = paste_command(net, fragment(net, ["conv1", "relu1"]), (40, 40))
    cmd.redo(net)
    assert ids == ["conv2", "relu2"]
    assert net.node("relu2").inputs == ["conv2"]
    x, y = net.node("conv1").position
    assert net.node("conv2").position == (x + 40, y + 40)
    cmd.undo(net)
    assert "conv2" not in net


def test_damaged_fragment_is_refused():
    with pytest.raises(GraphError, match="no ConvStudio layers"):
        paste_command(small_network(), {"format": "other"}, (0, 0))
    with pytest.raises(GraphError):
        paste_command(small_network(), {"format": "convstudio.fragment",
                                        "layers": [{"id": "a", "type": "Nope"}]}, (0, 0))[0].redo(small_network())


def test_free_offset_avoids_existing_cards():
    net = small_network()
    frag = fragment(net, ["conv1"])
    assert free_offset(net, frag, 230) == (230, 0)
    assert free_offset(net, frag, 230, first=0) == (230, 0)  # its own place is taken
    cmd, _ = paste_command(net, frag, (230, 0))
    cmd.redo(net)
    assert free_offset(net, frag, 230) == (460, 0)
