"""The canvas in a real window, driven by real mouse and keyboard input (Xvfb + xdotool).

A network with a gap (conv1 and pool1 unconnected) is opened; a Conv2D is dragged from
the palette, wired between them by dragging from port to port, its stride is typed into
the inspector, and Ctrl+S saves. The saved JSON must hold exactly that edit.
"""
from __future__ import annotations

import json

import pytest

from convstudio.graph import AddNode, Network
from convstudio.io import load_network, save_network

from .conftest import centre

pytestmark = pytest.mark.e2e


def gapped_network(path) -> None:
    net = Network("Gap")
    steps = [("Input", "image", {"channels": 3, "height": 32, "width": 32}, [], (0, 0)),
             ("Conv2D", "conv1", {"filters": 8, "kernel_size": 3, "padding": 1}, ["image"], (0, 110)),
             ("MaxPool2D", "pool1", {}, [], (0, 330)),
             ("Flatten", "flat", {}, ["pool1"], (0, 440)),
             ("Dense", "fc", {"units": 10}, ["flat"], (0, 550))]
    for type_name, nid, params, inputs, pos in steps:
        AddNode(type_name, params, pos, node_id=nid, inputs=inputs).redo(net)
    save_network(net, path)


@pytest.mark.parametrize("xserver", [(1280, 800), (1920, 1080)], indirect=True, ids=["1280x800", "1920x1080"])
def test_drag_connect_edit_and_save(launch, tmp_path, xserver):
    path = tmp_path / "gap.json"
    gapped_network(path)
    app = launch(path)
    g = app.wait_for(lambda g: g["path"] == str(path) and "Conv2D" in g["palette"] and "pool1" in g["nodes"],
                     "the window with gap.json")
    app.screenshot("01-opened")
    canvas = g["canvas"]
    app.click((canvas[0] + canvas[2] - 40, canvas[1] + 40))  # empty canvas: activates the window
    pool = centre(g["nodes"]["pool1"]["rect"])
    app.move(*pool)
    app.move(pool[0] + 4, pool[1] + 2)
    g = app.wait_for(lambda g: "needs 1 input" in g["tooltip"], "the invalid layer's explanation on hover")
    assert "Error:" in g["tooltip"]
    app.screenshot("01-tooltip")

    conv1, pool1 = g["nodes"]["conv1"]["rect"], g["nodes"]["pool1"]["rect"]
    target = (conv1[0] + conv1[2] + 140, (conv1[1] + conv1[3] + pool1[1]) // 2)
    assert canvas[0] < target[0] < canvas[0] + canvas[2] and canvas[1] < target[1] < canvas[1] + canvas[3]
    app.drag(centre(g["palette"]["Conv2D"]), target)
    g = app.wait_for(lambda g: "conv2" in g["nodes"], "conv2 dropped from the palette")
    app.screenshot("02-dropped")

    app.drag(g["nodes"]["conv1"]["out"], g["nodes"]["conv2"]["in"])
    g = app.wait_for(lambda g: "conv1>conv2:0" in g["edges"], "the wire conv1 → conv2")
    app.drag(g["nodes"]["conv2"]["out"], g["nodes"]["pool1"]["in"])
    g = app.wait_for(lambda g: "conv2>pool1:0" in g["edges"], "the wire conv2 → pool1")
    app.screenshot("03-connected")

    app.click(centre(g["nodes"]["conv2"]["rect"]))
    g = app.wait_for(lambda g: g["selected"] == ["conv2"] and "param-stride-h" in g["inspector"],
                     "conv2 in the inspector")
    stride = g["inspector"]["param-stride-h"]
    app.click((stride[0] + 15, stride[1] + stride[3] // 2))  # the text part, not the arrows
    app.key("ctrl+a")
    app.type("2")
    app.key("Tab")
    g = app.wait_for(lambda g: g["undo"] == "Change stride of conv2", "the stride edit")
    app.screenshot("04-stride")
    app.key("ctrl+z")  # focus is in a spin box: Ctrl+Z still undoes the graph edit, and redo brings it back
    app.wait_for(lambda g: g["undo"] == "Connect conv2 → pool1", "undo from inside the inspector")
    app.key("ctrl+shift+z")
    app.wait_for(lambda g: g["undo"] == "Change stride of conv2", "redo")

    app.click(centre(g["menubar"]["File"]))  # save through the menu, as a user new to the app would
    g = app.wait_for(lambda g: "Save" in g["menu"], "the File menu open")
    app.screenshot("05-file-menu")
    app.click(centre(g["menu"]["Save"]))
    g = app.wait_for(lambda g: not g["modified"] and not g["menu"], "the save")
    app.screenshot("05-saved")

    saved = json.loads(path.read_text())
    layers = {entry["id"]: entry for entry in saved["layers"]}
    assert layers["conv2"]["type"] == "Conv2D"
    assert layers["conv2"]["inputs"] == ["conv1"]
    assert layers["pool1"]["inputs"] == ["conv2"]
    assert layers["conv2"]["params"]["stride"] == [2, 2]
    net = load_network(path)
    assert net.node("conv2").params["stride"] == [2, 2]
    assert g["title"].startswith("gap.json")


def chain_network(path) -> None:
    net = Network("Chain")
    steps = [("Input", "image", {"channels": 1, "height": 28, "width": 28}, [], (0, 0)),
             ("Conv2D", "conv1", {"filters": 6, "kernel_size": 5}, ["image"], (0, 110)),
             ("ReLU", "relu1", {}, ["conv1"], (0, 220)),
             ("MaxPool2D", "pool1", {}, ["relu1"], (0, 330))]
    for type_name, nid, params, inputs, pos in steps:
        AddNode(type_name, params, pos, node_id=nid, inputs=inputs).redo(net)
    save_network(net, path)


def test_keyboard_and_mouse_editing(launch, tmp_path):
    """Delete a connection and undo it, move a card, duplicate it, fit the view, save — all by hand."""
    path = tmp_path / "chain.json"
    chain_network(path)
    app = launch(path)
    g = app.wait_for(lambda g: g["path"] == str(path) and "relu1>pool1:0" in g["edges"], "the chain network")

    app.click(g["edges"]["relu1>pool1:0"])
    g = app.wait_for(lambda g: g["selected_edges"] == ["relu1>pool1:0"], "the connection selected")
    app.key("Delete")
    g = app.wait_for(lambda g: "relu1>pool1:0" not in g["edges"], "the connection deleted")
    assert "Disconnect" in g["undo"]
    app.screenshot("11-disconnected")
    app.key("ctrl+z")
    g = app.wait_for(lambda g: "relu1>pool1:0" in g["edges"], "undo brings the connection back")

    start = centre(g["nodes"]["conv1"]["rect"])
    drag_zoom = g["zoom"]
    app.drag(start, (start[0] + 160, start[1] + 20), steps=16)
    g = app.wait_for(lambda g: g["undo"] == "Move conv1", "conv1 moved")
    app.key("ctrl+d")
    g = app.wait_for(lambda g: "conv2" in g["nodes"] and g["selected"] == ["conv2"], "conv1 duplicated")
    zoom = g["zoom"]
    app.key("f")
    app.wait_for(lambda g: g["zoom"] != zoom, "fit the network with F")
    app.screenshot("12-moved-duplicated")
    app.key("ctrl+s")
    app.wait_for(lambda g: not g["modified"], "the save")

    saved = load_network(path)
    assert saved.node("pool1").inputs == ["relu1"]
    assert saved.node("conv2").type == "Conv2D" and saved.node("conv2").inputs == []
    x, y = saved.node("conv1").position
    dx, dy = 160 / drag_zoom, 20 / drag_zoom  # scene units moved for (160, 20) screen pixels
    assert abs(x - dx) <= 20 and abs(y - (110 + dy)) <= 25, (x, y, drag_zoom)
