"""Connection curves keep clear of the cards they join, also when the target sits higher than the source."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF, QSizeF

from convstudio.qt.canvas.edge_item import curve
from convstudio.qt.canvas.node_item import HEIGHT, WIDTH


def card(x: float, y: float) -> QRectF:
    return QRectF(x, y, WIDTH, HEIGHT)


def crossings(src: QRectF, dst: QRectF) -> list[tuple[float, float]]:
    """Points of the curve from src's bottom port to dst's top port that lie inside either card."""
    path = curve(QPointF(src.center().x(), src.bottom()), QPointF(dst.center().x(), dst.top()))
    inside = []
    for i in range(3, 98):  # the ends touch the ports by design
        p = path.pointAtPercent(i / 100)
        if src.adjusted(1, 1, -1, -1).contains(p) or dst.adjusted(1, 1, -1, -1).contains(p):
            inside.append((round(p.x()), round(p.y())))
    return inside


@pytest.mark.parametrize("dst_at", [(0, -300), (40, -120), (-60, -90), (230, -62), (-230, 0), (300, 0), (0, 200),
                                    (150, 100), (-400, -500)])
def test_curve_never_runs_under_a_card(dst_at):
    src = card(0, 0)
    assert crossings(src, card(*dst_at)) == []


def test_a_climbing_edge_ends_pointing_down_into_the_port():
    path = curve(QPointF(0, 300), QPointF(0, 0))
    end, before = path.pointAtPercent(1.0), path.pointAtPercent(0.98)
    assert end.y() > before.y()


def label_clashes(scene) -> list[tuple]:
    """Pairs (edge, card or edge) whose shown labels overlap a card or each other."""
    cards = {n: QRectF(item.pos(), QSizeF(WIDTH, HEIGHT)) for n, item in scene.nodes.items()}
    shown = [(k, e.label_rect) for k, e in scene.edges.items() if e.label_shown]
    clashes = [(k, n) for k, r in shown for n, c in cards.items() if r.intersects(c)]
    return clashes + [(a, b) for i, (a, ra) in enumerate(shown) for b, rb in shown[i + 1:] if ra.intersects(rb)]


def scene_of(net):
    from convstudio.qt.canvas.scene import CanvasScene
    from convstudio.qt.document.document import Document

    return CanvasScene(Document(net))


def test_residual_connections_run_beside_the_block_with_their_labels_clear(qtbot):
    from convstudio.io.templates import load_template

    scene = scene_of(load_template("resnet18"))
    assert label_clashes(scene) == []
    skip = scene.edges[("maxpool", "layer1.0.add", 1)]
    block = [QRectF(scene.nodes[n].pos(), QSizeF(WIDTH, HEIGHT)) for n in ("layer1.0.conv1", "layer1.0.relu1")]
    assert all(not card.contains(skip.path.pointAtPercent(i / 50)) for card in block for i in range(1, 50))


def test_wires_into_a_merge_keep_their_labels_apart(qtbot):
    from convstudio.graph import AddNode, Network

    net = Network("merges")
    AddNode("Input", {"channels": 3, "height": 16, "width": 16}, (0, 0), "image", []).redo(net)
    for nid, x in (("a", 0), ("b", 230)):
        AddNode("Conv2D", {"filters": 4, "kernel_size": 3, "padding": 1}, (x, 110), nid, ["image"]).redo(net)
    AddNode("Concat", {}, (0, 220), "m1", ["a", "a"]).redo(net)
    AddNode("Add", {}, (115, 330), "m2", ["b", "a"]).redo(net)
    scene = scene_of(net)
    assert label_clashes(scene) == []
    assert scene.edges[("a", "m1", 0)].label_shown and not scene.edges[("a", "m1", 1)].label_shown
