"""View → model: mouse and keyboard on the canvas become graph commands (and undo restores)."""
from __future__ import annotations

import json

from PySide6.QtCore import QEvent, QMimeData, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QGraphicsSceneHoverEvent

from convstudio.graph import Disconnect
from convstudio.qt.canvas.node_item import HEIGHT, WIDTH
from convstudio.qt.canvas.mime import layer_mime

from .conftest import click, drag, small_network


def centre(win, nid) -> QPointF:
    x, y = win.doc.net.node(nid).position
    return QPointF(x + WIDTH / 2, y + HEIGHT / 2)


def out_port(win, nid) -> QPointF:
    return win.scene.nodes[nid].output_anchor()


def in_port(win, nid) -> QPointF:
    return win.scene.nodes[nid].input_anchor(0, 1)


def drop(win, mime: QMimeData, scene_pos: QPointF) -> None:
    pos = QPointF(win.view.mapFromScene(scene_pos))
    event = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    win.view.dropEvent(event)
    QApplication.processEvents()


def empty_spot(win) -> QPointF:
    rect = win.scene.network_rect()
    return QPointF(rect.right() + 150, rect.top() + 60)


# -- palette drops --------------------------------------------------------------------------------
def test_dropping_a_type_adds_it_where_dropped(window):
    spot = empty_spot(window)
    drop(window, layer_mime("Conv2D"), spot)
    node = window.doc.net.node("conv2")
    assert node.type == "Conv2D"
    assert node.position == (round(spot.x() - WIDTH / 2), round(spot.y() - HEIGHT / 2))
    assert window.scene.selected_ids() == ["conv2"]
    assert window.doc.stack.undoText() == "Add Conv2D"
    window.doc.stack.undo()
    assert "conv2" not in window.doc.net


def test_dropping_on_a_connection_inserts_the_layer(window):
    label = window.scene.edges[("relu1", "pool1", 0)].label_rect.center()
    drop(window, layer_mime("BatchNorm2D"), label)
    assert window.doc.net.node("pool1").inputs == ["bn1"]
    assert window.doc.net.node("bn1").inputs == ["relu1"]
    assert window.doc.stack.undoText() == "Insert BatchNorm2D before pool1"


def test_an_inserted_layer_pushes_the_layers_below_down_a_row(window):
    net = window.doc.net
    before = {n.id: n.position for n in net}
    label = window.scene.edges[("relu1", "pool1", 0)].label_rect.center()
    drop(window, layer_mime("BatchNorm2D"), label)
    below = [i for i, (x, y) in before.items() if y > before["relu1"][1]]
    assert below and all(net.node(i).position[1] == before[i][1] + 110 for i in below)
    assert all(net.node(i).position == before[i] for i in before if i not in below)
    window.doc.stack.undo()  # one step takes both the insert and the moves back
    assert "bn1" not in net and {n.id: n.position for n in net} == before


def test_refused_insert_is_reported_in_the_status_bar(window):
    label = window.scene.edges[("relu1", "pool1", 0)].label_rect.center()
    drop(window, layer_mime("Input"), label)
    assert "takes no inputs" in window.status.currentMessage()
    assert window.doc.stack.count() == 0


def test_dropping_a_json_file_opens_it(window, tmp_path):
    from convstudio.io import save_network

    other = small_network()
    other.name = "Dropped"
    path = tmp_path / "dropped.json"
    save_network(other, path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop(window, mime, empty_spot(window))
    assert window.doc.net.name == "Dropped"
    assert window.doc.path == path


# -- wires -------------------------------------------------------------------------------------------------
def test_dragging_from_an_output_port_to_a_card_connects(window):
    window.doc.push(Disconnect("pool1", 0))
    drag(window, [out_port(window, "relu1"), in_port(window, "pool1")])
    assert window.doc.net.node("pool1").inputs == ["relu1"]
    assert window.doc.stack.undoText() == "Connect relu1 → pool1"


def test_dragging_from_an_input_port_connects_backwards(window):
    window.doc.push(Disconnect("pool1", 0))
    drag(window, [in_port(window, "pool1"), centre(window, "relu1")])
    assert window.doc.net.node("pool1").inputs == ["relu1"]


def test_refused_connection_explains_in_status_bar(window):
    drag(window, [out_port(window, "fc"), in_port(window, "conv1")])
    assert "already has it" in window.status.currentMessage() or "cycle" in window.status.currentMessage()
    drag(window, [out_port(window, "pool1"), in_port(window, "image")])
    assert "takes no inputs" in window.status.currentMessage()
    count = window.doc.stack.count()
    window.doc.push(Disconnect("conv1", 0))
    drag(window, [out_port(window, "fc"), in_port(window, "conv1")])
    assert "would make a cycle" in window.status.currentMessage()
    assert window.doc.stack.count() == count + 1
    assert not window.scene._wire and all(item.scene() for item in window.scene.items())


# -- selection and moving ------------------------------------------------------------------------------
def test_click_selects_and_ctrl_click_adds(window):
    click(window, centre(window, "conv1"))
    assert window.scene.selected_ids() == ["conv1"]
    click(window, centre(window, "pool1"), Qt.KeyboardModifier.ControlModifier)
    assert window.scene.selected_ids() == ["conv1", "pool1"]


def test_rubber_band_selects_several(window):
    a, b = centre(window, "conv1"), centre(window, "pool1")
    start = QPointF(min(a.x(), b.x()) - 150, a.y() - 50)
    end = QPointF(max(a.x(), b.x()) + 150, b.y() + 10)
    drag(window, [start, end])
    assert window.scene.selected_ids() == ["conv1", "relu1", "pool1"]


def test_dragging_cards_is_one_undo_step(window):
    window.scene.select_ids(["conv1", "relu1"])
    before = {i: window.doc.net.node(i).position for i in ("conv1", "relu1")}
    c = centre(window, "conv1")
    drag(window, [c, c + QPointF(60, 10), c + QPointF(120, 30)])
    after = {i: window.doc.net.node(i).position for i in ("conv1", "relu1")}
    moved = {i: (after[i][0] - x, after[i][1] - y) for i, (x, y) in before.items()}
    assert moved["conv1"] == moved["relu1"]  # moved together, by whole pixels
    assert abs(moved["conv1"][0] - 120) <= 1 and abs(moved["conv1"][1] - 30) <= 1
    assert window.doc.stack.count() == 1
    assert window.doc.stack.undoText() == "Move 2 layers"
    drag(window, [c + QPointF(120, 30), c + QPointF(160, 30)])
    assert window.doc.stack.count() == 2  # a second drag is a second step
    window.doc.stack.undo()
    window.doc.stack.undo()
    assert {i: window.doc.net.node(i).position for i in before} == before
    assert window.scene.nodes["conv1"].pos().toTuple() == before["conv1"]


def test_select_all_delete_and_undo(window):
    window.acts.select_all.trigger()
    assert window.scene.selected_ids() == window.doc.net.ids()
    window.acts.delete.trigger()
    assert len(window.doc.net) == 0 and not window.scene.nodes
    assert "and 3 more. Undo (Ctrl+Z) brings them back" in window.status.currentMessage()
    window.acts.undo.trigger()
    assert len(window.doc.net) == 6 and len(window.scene.edges) == 5


def test_deleting_a_selected_connection_disconnects(window):
    edge = window.scene.edges[("relu1", "pool1", 0)]
    click(window, edge.label_rect.center())
    assert window.scene.selected_edges() == [("relu1", "pool1", 0)]
    window.acts.delete.trigger()
    assert window.doc.net.node("pool1").inputs == []
    assert window.doc.stack.undoText() == "Disconnect input 1 of pool1"
    assert window.status.currentMessage().startswith("Removed 1 connection.")


def test_duplicate_gives_fresh_ids_and_internal_edges(window):
    window.scene.select_ids(["conv1", "relu1"])
    window.acts.duplicate.trigger()
    net = window.doc.net
    assert net.node("conv2").inputs == [] and net.node("relu2").inputs == ["conv2"]
    assert net.node("conv2").params == net.node("conv1").params
    x, y = net.node("conv1").position
    assert net.node("conv2").position == (x + 230, y)  # beside the original, not on top of it
    assert window.scene.selected_ids() == ["conv2", "relu2"]
    window.acts.undo.trigger()
    assert "conv2" not in net and "relu2" not in net


def test_copy_paste_within_and_between_documents(window):
    window.scene.select_ids(["conv1", "relu1", "pool1"])
    window.acts.copy.trigger()
    text = QApplication.clipboard().text()
    assert json.loads(text)["layers"][1]["inputs"] == ["conv1"]
    window.acts.paste.trigger()
    assert {"conv2", "relu2", "pool2"} <= set(window.doc.net.ids())
    assert window.doc.net.node("relu2").inputs == ["conv2"]
    window.acts.paste.trigger()  # a second paste finds the next free column
    assert window.doc.net.node("conv3").position[0] == window.doc.net.node("conv1").position[0] + 460
    window.acts.new.trigger()  # another document (unsaved changes: answered "discard")
    window.acts.paste.trigger()
    assert {"conv1", "relu1", "pool1"} <= set(window.doc.net.ids())
    assert window.doc.net.node("pool1").inputs == ["relu1"]
    assert window.doc.net.node("conv1").position == small_network().node("conv1").position  # free spot kept


def test_paste_with_empty_clipboard_is_explained(window):
    QApplication.clipboard().setText("hello")
    window.acts.paste.trigger()
    assert "clipboard holds no ConvStudio layers" in window.status.currentMessage()


def test_cut_removes_and_keeps_on_clipboard(window):
    window.scene.select_ids(["fc"])
    window.acts.cut.trigger()
    assert "fc" not in window.doc.net
    window.acts.paste.trigger()
    assert "fc1" in window.doc.net


# -- view: zoom, pan, layout -----------------------------------------------------------------------------
def test_zoom_shortcuts(window):
    window.acts.zoom_in.trigger()
    assert abs(window.view.zoom() - 1.2) < 1e-9
    window.acts.zoom_out.trigger()
    window.acts.zoom_out.trigger()
    assert abs(window.view.zoom() - 1 / 1.2) < 1e-9
    window.acts.reset_zoom.trigger()
    assert window.view.zoom() == 1.0
    window.acts.fit.trigger()
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.network_rect())


def test_wheel_zooms(window, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent

    vp = window.view.viewport()
    pos = QPointF(vp.rect().center())
    event = QWheelEvent(pos, QPointF(vp.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)
    assert abs(window.view.zoom() - 1.44) < 1e-6


def test_middle_drag_pans_without_editing(window):
    before = window.view.mapToScene(window.view.viewport().rect().center())
    c = centre(window, "conv1")
    drag(window, [c, c + QPointF(-100, -80)], button=Qt.MouseButton.MiddleButton)
    after = window.view.mapToScene(window.view.viewport().rect().center())
    assert (after - before).manhattanLength() > 50
    assert window.doc.stack.count() == 0


def test_space_drag_pans(window, qtbot):
    qtbot.keyPress(window.view, Qt.Key.Key_Space)
    before = window.view.mapToScene(window.view.viewport().rect().center())
    c = centre(window, "conv1")
    drag(window, [c, c + QPointF(-100, -80)])
    qtbot.keyRelease(window.view, Qt.Key.Key_Space)
    after = window.view.mapToScene(window.view.viewport().rect().center())
    assert (after - before).manhattanLength() > 50
    assert window.doc.stack.count() == 0


def test_auto_layout_is_one_undoable_step(window):
    from convstudio.graph import MoveNodes, layered_positions

    window.doc.push(MoveNodes({"conv1": (900, 900), "fc": (-500, 0)}))
    window.acts.auto_layout.trigger()
    assert window.doc.stack.undoText() == "Auto-layout"
    expected = layered_positions(window.doc.net)
    assert all(window.doc.net.node(i).position == p for i, p in expected.items())
    window.acts.undo.trigger()
    assert window.doc.net.node("conv1").position == (900, 900)


def test_right_click_selects_what_is_under_the_pointer_for_the_menu(window):
    drag(window, [centre(window, "pool1")] * 2, button=Qt.MouseButton.RightButton)
    assert window.scene.selected_ids() == ["pool1"]
    menu = [a.text() for a in window.view.actions() if not a.isSeparator()]
    assert menu[:5] == ["Cu&t", "&Copy", "&Paste", "D&uplicate", "&Delete"]


def test_ctrl_z_in_a_spin_box_is_left_to_edit_undo(window):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QSpinBox

    window.scene.select_ids(["conv1"])
    spin = window.inspector.findChild(QSpinBox, "param-filters-value")

    def overridden(key, modifiers) -> bool:
        """Would the spin box keep this key from the window's shortcuts? (as QShortcutMap asks)"""
        kept = []
        for widget in (spin, spin.lineEdit()):
            event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifiers)
            event.ignore()
            QApplication.sendEvent(widget, event)
            kept.append(event.isAccepted())
        assert kept[0] == kept[1]
        return kept[0]
    ctrl = Qt.KeyboardModifier.ControlModifier
    assert not overridden(Qt.Key.Key_Z, ctrl)  # the window's Undo shortcut gets it
    assert not overridden(Qt.Key.Key_Y, ctrl)
    assert overridden(Qt.Key.Key_A, ctrl)  # select-all stays with the text


def test_escape_cancels_a_wire(window, qtbot):
    from .conftest import mouse, view_point

    window.doc.push(Disconnect("pool1", 0))
    viewport = window.view.viewport()
    mouse(viewport, "press", view_point(window, out_port(window, "relu1")))
    mouse(viewport, "move", view_point(window, in_port(window, "pool1")))
    assert window.scene._wire is not None
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    mouse(viewport, "release", view_point(window, in_port(window, "pool1")))
    assert window.doc.net.node("pool1").inputs == []
    assert window.doc.stack.count() == 1


def test_the_port_highlight_goes_when_the_wire_is_dropped(window):
    window.doc.push(Disconnect("pool1", 0))
    start = out_port(window, "relu1")
    hover = QGraphicsSceneHoverEvent(QEvent.Type.GraphicsSceneHoverMove)
    hover.setScenePos(start)
    window.scene.nodes["relu1"].hoverMoveEvent(hover)  # the pointer rests on the port before pressing
    assert window.scene.nodes["relu1"].hover_port == "out"
    drag(window, [start, in_port(window, "pool1")])
    assert window.doc.net.node("pool1").inputs == ["relu1"]
    assert all(card.hover_port is None for card in window.scene.nodes.values())


def overlapping_cards(net) -> list[tuple[str, str]]:
    cards = [(n.id, QRectF(*n.position, WIDTH, HEIGHT)) for n in net]
    return [(a, b) for i, (a, ra) in enumerate(cards) for b, rb in cards[i + 1:] if ra.intersects(rb)]


def test_a_layer_dropped_on_any_connection_lands_on_free_space(qtbot, dialogs):
    """TinyVGG wraps into columns: some connections are short, some run up to the next column's top."""
    from convstudio.io.templates import load_template
    from convstudio.qt.app.main_window import MainWindow

    win = MainWindow(network=load_template("tinyvgg"))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    net = win.doc.net
    assert not overlapping_cards(net)
    for src, dst, slot in list(win.scene.edges):
        win.edits.drop_layer("BatchNorm2D", win.scene.edges[(src, dst, slot)].label_rect.center())
        new = net.node(dst).inputs[slot]
        assert net.node(new).type == "BatchNorm2D", (src, dst)
        assert not overlapping_cards(net), (src, dst, overlapping_cards(net))
        win.doc.stack.undo()
