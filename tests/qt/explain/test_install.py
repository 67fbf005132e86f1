"""install_explain: docks and menus in the main window, selection, panels' runs and picked pixels."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from convstudio.graph import SetParams
from convstudio.qt.explain import install_explain
from convstudio.qt.explain.run_source import ControllerSource, LocalSource
from convstudio.qt.app.main_window import MainWindow

from .explain_helpers import FakePanels, conv_net, snapshot


@pytest.fixture
def win(qtbot):
    w = MainWindow(network=conv_net(channels=3, size=8, filters=4), panels=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    return w


def test_docks_and_menus(win):
    tools = install_explain(win)
    assert set(tools.docks) == {"window", "breakdown", "sharing", "fc", "fcn", "backprop"}
    titles = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert titles.index("Tools") < titles.index("Help") and titles.index("Explain") < titles.index("Help")
    assert len(tools.menus["explain"].actions()) == 6
    panels_menu = [a.text() for a in win.menus["panels"].actions()]
    assert "Window" in panels_menu and "Scores" in panels_menu
    tools.menus["explain"].actions()[2].trigger()
    assert tools.docks["sharing"].isVisibleTo(win)


def test_views_follow_the_canvas_selection(win):
    tools = install_explain(win)
    win.scene.select_ids(["conv"])
    QApplication.processEvents()
    assert tools.views["window"].node_id == "conv" and tools.views["sharing"].node_id == "conv"


def test_without_panels_a_small_network_runs_by_itself(win, qtbot):
    tools = install_explain(win)
    assert isinstance(tools.source, LocalSource)
    qtbot.waitUntil(lambda: tools.source.snapshot() is not None, timeout=3000)
    b = tools.views["breakdown"].breakdown
    assert b is not None and b.total == pytest.approx(b.engine, abs=1e-5)
    win.doc.push(SetParams("conv", {"filters": 2}))
    qtbot.waitUntil(lambda: tools.source.snapshot() is not None and
                    tools.source.snapshot().acts["conv"].shape[1] == 2, timeout=3000)


def test_a_view_behind_another_tab_catches_up_with_runs_when_brought_to_the_front(win, qtbot):
    tools = install_explain(win)
    win.tabifyDockWidget(tools.docks["window"], tools.docks["breakdown"])
    tools.reveal("window")  # the One Value tab is behind the Window tab
    win.show()
    qtbot.waitExposed(win)
    view = tools.views["breakdown"]
    qtbot.waitUntil(lambda: tools.source.snapshot() is not None, timeout=3000)
    QApplication.processEvents()
    assert view.breakdown is None  # a run nobody sees is not taken apart
    tools.reveal("breakdown")
    qtbot.waitUntil(lambda: view.breakdown is not None, timeout=3000)
    assert view.breakdown.total == pytest.approx(view.breakdown.engine, abs=1e-5)
    win.doc.push(SetParams("conv", {"filters": 2}))  # on screen: it follows the next run at once
    qtbot.waitUntil(lambda: view.breakdown is not None and
                    tools.source.snapshot().acts["conv"].shape[1] == 2, timeout=3000)
    win.doc.stack.setClean()


def test_panels_pixel_and_input_hook(win):
    panels = FakePanels(win.doc)
    tools = install_explain(win, panels)
    assert isinstance(tools.source, ControllerSource)
    view = tools.views["breakdown"]
    assert "F5" in view.text()
    snap = snapshot(win.doc.net)
    panels.controller.finish(snap)
    panels.feature_maps.pixel_clicked.emit("conv", 3, 2, 6)
    b = view.breakdown
    assert (b.channel, b.row, b.col) == (3, 2, 6)
    assert b.total == pytest.approx(float(snap.acts["conv"][0, 3, 2, 6]), abs=1e-5)
    assert panels.input_panel.boxes[-1] is b.field
    assert panels.input_panel.whats[-1] == "conv channel 3, row 2, column 6"
    panels.feature_maps.pixel_clicked.emit("relu", 1, 2, 6)  # not a Conv2D: no sum, but its field all the same
    box = panels.input_panel.boxes[-1]
    assert box is not None and not box.empty and view.breakdown is None
    assert f"rows {box.top}–{box.bottom}, columns {box.left}–{box.right}" in view.text()
    assert panels.input_panel.whats[-1] == "relu channel 1, row 2, column 6"
    panels.controller.stale = True  # an edit since the run: the numbers would no longer add up
    panels.controller.status_changed.emit()
    assert view.breakdown is None and "F5" in view.text() and panels.input_panel.boxes[-1] is None


def test_installing_twice_returns_the_same_tools(win):
    assert install_explain(win) is install_explain(win)
    assert [a.text() for a in win.menuBar().actions()].count("E&xplain") == 1


def test_with_the_real_inspection_panels(win, qtbot):
    panels_module = pytest.importorskip("convstudio.qt.panels")
    if not hasattr(panels_module, "install_inspection"):
        pytest.skip("the inspection panels are not installable yet")
    panels = panels_module.install_inspection(win)
    tools = install_explain(win, panels)
    controller = panels.controller
    qtbot.waitUntil(lambda: controller.results is not None and not controller.stale, timeout=10000)
    panels.feature_maps.pixel_clicked.emit("conv", 1, 4, 4)
    b = tools.views["breakdown"].breakdown
    assert b is not None and b.engine == float(controller.results.activations["conv"][1, 4, 4])
    assert b.total == pytest.approx(b.engine, abs=1e-5)
    assert tools.views["fcn"].maps is not None
    controller.shutdown()


def test_local_source_runs_big_networks_only_when_asked(qtbot):
    from convstudio.qt.document.document import Document

    from .explain_helpers import document
    big = document("vgg16")
    source = LocalSource(big)
    QApplication.processEvents()
    assert source.snapshot() is None and "Run" in source.status()  # VGG-16 is not run by itself
    small: Document = document(conv_net())
    source = LocalSource(small)
    with qtbot.waitSignal(source.changed, timeout=5000):
        source.run()  # in a worker thread
    qtbot.waitUntil(lambda: source.snapshot() is not None, timeout=5000)
    assert source.snapshot().acts["conv"].shape == (1, 4, 8, 8)
