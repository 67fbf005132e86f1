"""Tools ▸ Convert Dense layers to convolutions: one undo step, same parameters, exact undo."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from convstudio.io.network_json import dumps
from convstudio.io.templates import load_template
from convstudio.qt.explain.fc.fc_view import FcView
from convstudio.qt.explain.fc.heads_view import HeadsView
from convstudio.qt.app.main_window import MainWindow
from convstudio.qt.messages import messenger

from .explain_helpers import document


@pytest.fixture
def vgg_window(qtbot):
    win = MainWindow(network=load_template("vgg16"))  # too big to run by itself: shapes only
    qtbot.addWidget(win)
    yield win, win.explain
    win.inspection.controller.shutdown()


def test_vgg16_dense_layers_become_convolutions_and_undo_restores_the_json(vgg_window):
    win, tools = vgg_window
    before_json = dumps(win.doc.net)
    before = {i: win.doc.report.nodes[i].params for i in ("fc6", "fc7", "fc8")}
    messages = []
    messenger().message.connect(lambda text, level: messages.append(text))
    tools.convert_action.trigger()
    net, report = win.doc.net, win.doc.report
    assert net.node("fc6").type == "Conv2D" and net.node("fc6").params["kernel_size"] == [7, 7]
    assert net.node("fc6").params["filters"] == 4096 and "flatten" not in net
    assert (net.node("fc7").params["kernel_size"], net.node("fc8").params["filters"]) == ([1, 1], 1000)
    after = {i: report.nodes[i].params for i in ("fc6", "fc7", "fc8")}
    assert after == before == {"fc6": 102_764_544, "fc7": 16_781_312, "fc8": 4_097_000}
    assert report.total_params == 138_357_544
    assert report.nodes["fc8"].shape == (1000, 1, 1)
    assert any("Converted 3 Dense layers" in m and "102,764,544" in m for m in messages)
    fc_text = tools.views["fc"].text()
    assert "Converted" in fc_text and "102,764,544 ✓ same" in fc_text
    assert win.doc.stack.count() == 1  # a single undo step
    win.doc.stack.undo()
    assert dumps(win.doc.net) == before_json
    assert "Plan" in tools.views["fc"].text()
    win.doc.stack.redo()
    assert win.doc.net.node("fc6").type == "Conv2D"


def test_nothing_to_convert_says_so(qtbot):
    win = MainWindow(network=load_template("fcn3"))
    qtbot.addWidget(win)
    tools = win.explain
    messages = []
    messenger().message.connect(lambda text, level: messages.append((text, level)))
    before = dumps(win.doc.net)
    tools.convert_action.trigger()
    assert dumps(win.doc.net) == before and win.doc.stack.count() == 0
    assert messages and messages[-1][0].startswith("Nothing to convert") and messages[-1][1] == "info"
    assert "Nothing to convert" in tools.views["fc"].text()
    assert not tools.views["fc"].button.isEnabled()


def test_menu_button_and_action_agree(vgg_window):
    win, tools = vgg_window
    QApplication.processEvents()
    texts = [a.text() for a in tools.menus["tools"].actions()]
    assert "Convert Dense layers to convolutions" in texts
    tools.views["fc"].button.click()
    assert win.doc.net.node("fc7").type == "Conv2D"


def test_heads_view_compares_vgg_head_with_one_step(qtbot):
    view = HeadsView(document("vgg16"))
    qtbot.addWidget(view)
    text = view.text()
    assert "Why 4,096 and 1,000?" in text
    for figure in ("25,089,000", "102,764,544", "16,781,312", "4,097,000", "123,642,856", "ImageNet",
                   "K = 4,096"):
        assert figure in text
    assert view.comparison.direct.params == 25_088 * 1000 + 1000


def test_heads_view_falls_back_to_vgg_without_dense_layers(qtbot):
    view = HeadsView(document("fcn3"))
    qtbot.addWidget(view)
    assert "VGG-16's head" in view.text() and view.comparison.head_params == 123_642_856


def test_fc_view_plan_for_lenet(qtbot):
    view = FcView(document("lenet5"))
    qtbot.addWidget(view)
    text = view.text()
    assert "Plan" in text and "Conv2D F = 5×5, K = 120" in text and "48,120" in text
    assert "Why 120, 84 and 10?" in text


def test_table_rows_shrink_when_the_view_widens_and_nothing_scrolls_needlessly(qtbot):
    from convstudio.qt.document.document import Document
    from convstudio.qt.explain.controls import WrapScroll

    view = FcView(Document(load_template("vgg16")))
    qtbot.addWidget(view)
    view.resize(480, 700)
    view.show()
    qtbot.waitUntil(lambda: view.table.rowHeight(0) > 2 * view.fontMetrics().height())  # wrapped
    view.resize(1056, 700)
    line = view.fontMetrics().height()
    qtbot.waitUntil(lambda: all(view.table.rowHeight(r) < 2 * line for r in range(view.table.rowCount())))
    assert view.findChild(WrapScroll).verticalScrollBar().maximum() == 0  # it all fits: no scroll bar
