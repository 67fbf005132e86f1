"""Model → view: edits made through commands (or undo) appear on the canvas."""
from __future__ import annotations

from convstudio.graph import (AddNode, Connect, Disconnect, MoveNodes, RemoveNodes, Rename, SetParams)
from convstudio.qt.canvas.node_item import node_face

from .conftest import small_network


def face(win, nid):
    return win.scene.nodes[nid].face


def test_every_layer_and_connection_is_drawn(window):
    net = window.doc.net
    assert set(window.scene.nodes) == set(net.ids())
    assert set(window.scene.edges) == set(net.edges())
    assert face(window, "conv1").settings == "K8 F3 S1 P1"
    assert face(window, "conv1").shape == "8×32×32"
    assert face(window, "conv1").params == "224 params"
    assert window.scene.edges[("conv1", "relu1", 0)].label == "8×32×32"


def test_cards_sit_at_graph_positions(window):
    for node in window.doc.net:
        pos = window.scene.nodes[node.id].pos()
        assert (pos.x(), pos.y()) == node.position


def test_added_layer_and_connection_appear(window):
    window.doc.push(AddNode("Conv2D", {"filters": 4}, position=(400, 100), node_id="side"))
    assert "side" in window.scene.nodes
    assert face(window, "side").shape == "?"
    assert face(window, "side").status == "error"
    window.doc.push(Connect("relu1", "side"))
    assert ("relu1", "side", 0) in window.scene.edges
    assert face(window, "side").shape == "4×30×30"
    assert face(window, "side").status is None


def test_parameter_change_updates_downstream_cards_and_edge_labels(window):
    window.doc.push(SetParams("conv1", {"stride": 2}))
    assert face(window, "conv1").shape == "8×16×16"
    assert face(window, "pool1").shape == "8×8×8"
    assert window.scene.edges[("relu1", "pool1", 0)].label == "8×16×16"
    window.doc.stack.undo()
    assert face(window, "pool1").shape == "8×16×16"


def test_move_updates_position_without_reinference(window):
    report = window.doc.report
    window.doc.push(MoveNodes({"conv1": (500, 40)}))
    assert window.scene.nodes["conv1"].pos().toTuple() == (500, 40)
    assert window.doc.report is report  # positions never need inference
    edge = window.scene.edges[("image", "conv1", 0)]
    assert edge.path.pointAtPercent(1.0).x() == 500 + 95


def test_removal_and_undo(window):
    window.doc.push(RemoveNodes(["relu1"]))
    assert "relu1" not in window.scene.nodes
    assert ("conv1", "relu1", 0) not in window.scene.edges
    assert face(window, "pool1").status == "error"
    window.doc.stack.undo()
    assert "relu1" in window.scene.nodes
    assert ("relu1", "pool1", 0) in window.scene.edges
    assert face(window, "pool1").status is None


def test_disconnect_and_rename(window):
    window.doc.push(Disconnect("pool1", 0))
    assert ("relu1", "pool1", 0) not in window.scene.edges
    window.doc.push(Rename("conv1", "stem"))
    assert "stem" in window.scene.nodes and "conv1" not in window.scene.nodes
    assert ("stem", "relu1", 0) in window.scene.edges


def test_invalid_layer_is_red_with_explanation_and_warning_is_amber(window):
    window.doc.push(SetParams("conv1", {"kernel_size": 40}))
    conv = face(window, "conv1")
    assert conv.status == "error"
    assert "kernel 40 needs 40 pixels" in conv.tooltip
    assert face(window, "fc").shape == "?"
    window.doc.push(SetParams("conv1", {"kernel_size": 3, "stride": 2, "padding": 0}))
    assert face(window, "conv1").status == "warning"
    assert "unvisited" in face(window, "conv1").tooltip


def test_replacing_the_network_rebuilds_everything(window):
    other = small_network()
    other.name = "Other"
    window.doc.replace(other)
    assert set(window.scene.nodes) == set(other.ids())
    assert all(item.scene() is window.scene for item in window.scene.nodes.values())
    assert len(window.scene.items()) == len(other) + len(other.edges())


def test_node_face_is_pure_data():
    net = small_network()
    from convstudio.engine.infer import infer

    report = infer(net)
    f = node_face(net.node("pool1"), report.nodes["pool1"])
    assert (f.type_name, f.family, f.settings, f.shape) == ("MaxPool2D", "Pooling", "F2 S2", "8×16×16")


def test_a_warning_card_has_a_badge_unlike_a_plain_conv2d_card(window):
    """Amber is close to the Conv2D orange: a warning must also be told by a badge on the card's corner."""
    from PySide6.QtCore import QPointF as Point
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    from convstudio.graph import SetParams
    from convstudio.qt import style
    from convstudio.qt.canvas.node_item import BADGE_RADIUS, badge_centre

    def pixel_at_badge() -> QColor:
        item = window.scene.nodes["conv1"]
        rect = item.boundingRect()
        image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.translate(-rect.topLeft())
        item.paint(painter, QStyleOptionGraphicsItem(), None)
        painter.end()
        spot = badge_centre() - rect.topLeft() + Point(-BADGE_RADIUS / 2, 0)  # beside the glyph
        return image.pixelColor(int(spot.x()), int(spot.y()))

    assert pixel_at_badge() != style.WARNING
    window.doc.push(SetParams("conv1", {"stride": [2, 2], "padding": [0, 0]}))
    assert window.scene.nodes["conv1"].face.status == "warning"
    assert pixel_at_badge() == style.WARNING
