"""Undo keeps the weights in the live window too, where the worker thread completes them."""
from __future__ import annotations

import numpy as np

from convstudio.engine.weights import init_weights, save_weights
from convstudio.graph import RemoveNodes, SetParams

from .conftest import wait_idle


def test_undo_after_a_change_of_shape_brings_back_presets_and_loaded_weights(win, panels, qtbot, tmp_path):
    controller = panels.controller
    wait_idle(qtbot, controller)
    save_weights(tmp_path / "fc.npz", {"fc": init_weights(win.doc.net, 9)["fc"]})
    controller.load_weights_file(tmp_path / "fc.npz")
    wait_idle(qtbot, controller)
    controller.apply_preset("conv2", "gaussian")
    wait_idle(qtbot, controller)
    gaussian, fc = controller.weights["conv2"]["weight"], controller.weights["fc"]["weight"]
    assert win.doc.modified and win.doc.stack.undoText() == "Filter preset gaussian on conv2"

    win.doc.push(RemoveNodes(["relu1"]))  # conv2 loses its input
    wait_idle(qtbot, controller)
    win.doc.push(SetParams("fc", {"units": 4}))
    wait_idle(qtbot, controller)
    assert "conv2" not in controller.weights and "fc" not in controller.weights  # downstream of the gap
    win.doc.stack.undo()
    win.doc.stack.undo()
    wait_idle(qtbot, controller)
    assert np.array_equal(controller.weights["conv2"]["weight"], gaussian)
    assert np.array_equal(controller.weights["fc"]["weight"], fc)
    assert "gaussian" in controller.book.origin("conv2") and "fc.npz" in controller.book.origin("fc")
    assert controller.results is not None and not controller.stale
