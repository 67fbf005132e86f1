"""install_explain: docks and menus in the main window, selection, the panels' runs and picked pixels."""
from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication

from convstudio.graph import SetParams
from convstudio.qt.app.main_window import MainWindow
from convstudio.qt.explain import install_explain

from .explain_helpers import conv_net


@pytest.fixture
def win(qtbot):
    w = MainWindow(network=conv_net(channels=3, size=8, filters=4))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    yield w
    w.inspection.controller.shutdown()


def ran(win, qtbot) -> None:
    controller = win.inspection.controller
    qtbot.waitUntil(lambda: controller.results is not None and not controller.stale and not controller.busy,
                    timeout=10000)


def test_docks_and_menus(win):
    tools = win.explain
    assert set(tools.docks) == {"window", "breakdown", "sharing", "fc", "fcn", "backprop"}
    titles = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert titles.index("Tools") < titles.index("Help") and titles.index("Explain") < titles.index("Help")
    assert len(tools.menus["explain"].actions()) == 6
    panels_menu = [a.text() for a in win.menus["panels"].actions()]
    assert "Window" in panels_menu and "Scores" in panels_menu
    tools.menus["explain"].actions()[2].trigger()
    assert tools.docks["sharing"].isVisibleTo(win)


def test_views_follow_the_canvas_selection(win):
    tools = win.explain
    win.scene.select_ids(["conv"])
    QApplication.processEvents()
    assert tools.views["window"].node_id == "conv" and tools.views["sharing"].node_id == "conv"


def test_a_view_behind_another_tab_catches_up_with_runs_when_brought_to_the_front(win, qtbot):
    tools = win.explain
    win.tabifyDockWidget(tools.docks["window"], tools.docks["breakdown"])
    tools.reveal("window")  # the One Value tab is behind the Window tab
    win.show()
    qtbot.waitExposed(win)
    view = tools.views["breakdown"]
    ran(win, qtbot)
    QApplication.processEvents()
    assert view.breakdown is None  # a run nobody sees is not taken apart
    tools.reveal("breakdown")
    qtbot.waitUntil(lambda: view.breakdown is not None, timeout=3000)
    assert view.breakdown.total == pytest.approx(view.breakdown.engine, abs=1e-5)
    win.doc.push(SetParams("conv", {"filters": 2}))  # on screen: it follows the next run at once
    qtbot.waitUntil(lambda: view.breakdown is not None and tools.source.snapshot() is not None and
                    tools.source.snapshot().acts["conv"].shape[1] == 2, timeout=10000)
    win.doc.stack.setClean()


def test_a_view_behind_another_tab_catches_up_when_its_dock_is_floated(win, qtbot):
    tools = win.explain
    win.tabifyDockWidget(tools.docks["window"], tools.docks["breakdown"])
    tools.reveal("window")
    win.show()
    qtbot.waitExposed(win)
    view = tools.views["breakdown"]
    ran(win, qtbot)
    QApplication.processEvents()
    assert view.breakdown is None
    tools.docks["breakdown"].setFloating(True)  # torn off the tab bar: no tab change to hear of
    tools.docks["breakdown"].show()
    qtbot.waitUntil(lambda: view.breakdown is not None, timeout=3000)


def test_a_picked_pixel_is_taken_apart_and_outlined_on_the_input(win, qtbot):
    panels, view = win.inspection, win.explain.views["breakdown"]
    ran(win, qtbot)
    caption = panels.input_panel.box_caption
    panels.feature_maps.pixel_clicked.emit("conv", 3, 2, 6)
    b = view.breakdown
    assert (b.channel, b.row, b.col) == (3, 2, 6)
    assert b.engine == float(panels.controller.results.activations["conv"][3, 2, 6])
    assert b.total == pytest.approx(b.engine, abs=1e-5)
    assert not caption.isHidden() and "conv channel 3, row 2, column 6" in caption.text()
    panels.feature_maps.pixel_clicked.emit("relu", 1, 2, 6)  # not a convolution: no sum, but its field all the same
    field = re.search(r"rows \d+–\d+, columns \d+–\d+", caption.text()).group()
    assert view.breakdown is None and field in view.text() and "relu channel 1, row 2, column 6" in caption.text()
    panels.controller.set_auto_run(False)
    win.doc.push(SetParams("conv", {"filters": 2}))  # an edit since the run: the numbers would no longer add up
    assert view.breakdown is None and "F5" in view.text() and caption.isHidden()


def test_installing_twice_returns_the_same_tools(win):
    assert install_explain(win) is win.explain
    assert [a.text() for a in win.menuBar().actions()].count("E&xplain") == 1


def test_the_score_maps_follow_the_run(win, qtbot):
    ran(win, qtbot)
    assert win.explain.views["fcn"].maps is not None
