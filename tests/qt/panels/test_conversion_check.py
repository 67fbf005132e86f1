"""Tools ▸ Convert in the app: the converted network's first run is compared with the last run before."""
from __future__ import annotations

import numpy as np

from convstudio.graph import SetParams
from convstudio.io.templates import load_template
from convstudio.qt.explain.fc.conversion_check import Before, compare_html

from .conftest import make_window, wait_idle


def converted_window(qtbot):
    win, panels = make_window(qtbot, load_template("lenet5"))
    qtbot.waitUntil(lambda: panels.controller.results is not None, timeout=20000)
    wait_idle(qtbot, panels.controller)
    return win, panels


def test_outputs_after_converting_equal_those_before(qtbot):
    win, panels = converted_window(qtbot)
    fc = win.explain.views["fc"]
    before = panels.controller.results.activations["fc3"].copy()
    win.explain.convert_action.trigger()
    assert win.doc.net.node("fc3").type == "Conv2D"
    qtbot.waitUntil(lambda: "largest difference" in fc.check.text(), timeout=20000)
    assert "the same up to float32 rounding" in fc.check.text() and fc.check.isVisibleTo(fc)
    after = panels.controller.results.activations["fc3"]
    assert np.abs(after.ravel() - before.ravel()).max() < 1e-5
    win.acts.undo.trigger()
    assert not fc.check.isVisibleTo(fc)  # the Dense layers are back: the comparison no longer applies
    panels.controller.shutdown()


def test_without_a_current_run_there_is_nothing_to_compare(qtbot):
    win, panels = converted_window(qtbot)
    panels.controller.set_auto_run(False)
    win.doc.push(SetParams("conv1", {"filters": 8}))  # the shown results are now out of date
    win.explain.convert_action.trigger()
    assert "no up-to-date run before converting" in win.explain.views["fc"].check.text()
    panels.controller.shutdown()


def test_compare_names_a_real_difference_and_a_changed_image():
    image = np.zeros((1, 4, 4), np.float32)
    before = Before("fc", np.array([1.0, 2.0], np.float32), image)
    assert "<b>different</b>" in compare_html(before, np.array([1.0, 2.5], np.float32), image)
    assert "the same up to float32 rounding" in compare_html(before, np.array([[[1.0]], [[2.0]]], np.float32), image)
    assert "input image changed" in compare_html(before, np.array([1.0, 2.0], np.float32), image + 1)
    assert "changed size" in compare_html(before, np.array([1.0], np.float32), image)
