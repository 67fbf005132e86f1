"""Gradients on screen: the Backprop tab's numbers and the gradient pictures in the feature-map and
filter panels, each compared with an independent `gradients()` pass on the same image and weights."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from convstudio.engine.gradients import gradients
from convstudio.graph import Network
from tests.qt.qt_nets import laid_out

from .conftest import make_window, select, show_dock, wait_idle

LABELS = ["circle", "square", "triangle"]


def gradient_network() -> Network:
    """image 2×12×12 → conv1 → relu1 → pool1 (max) → conv2 (groups 2) → avg → flat → fc (3) → probs."""
    steps = [("Input", "image", {"channels": 2, "height": 12, "width": 12}, []),
             ("Conv2D", "conv1", {"filters": 4, "kernel_size": 3, "padding": 1}, ["image"]),
             ("ReLU", "relu1", {}, ["conv1"]),
             ("MaxPool2D", "pool1", {}, ["relu1"]),
             ("Conv2D", "conv2", {"filters": 4, "kernel_size": 3, "padding": 1, "groups": 2}, ["pool1"]),
             ("AvgPool2D", "avg", {"kernel_size": 2}, ["conv2"]),
             ("Flatten", "flat", {}, ["avg"]),
             ("Dense", "fc", {"units": 3}, ["flat"]),
             ("Softmax", "probs", {}, ["fc"])]
    return laid_out("Grad", steps, labels=LABELS)


@pytest.fixture
def gwin(qtbot):
    win, panels = make_window(qtbot, gradient_network(), size=(1366, 768))
    qtbot.waitUntil(lambda: panels.controller.results is not None, timeout=20000)
    wait_idle(qtbot, panels.controller)
    win.explain.reveal("backprop")
    yield win
    panels.controller.shutdown()


def view_of(win):
    return win.explain.views["backprop"]


def reference(win, target=None):
    """An independent backward pass on the image and weights the panels show."""
    c = win._test_panels.controller
    x = c.results.activations["image"][None]
    if target is None:
        target = int(np.argmax(c.results.activations["fc"]))
    return gradients(win.doc.net, x, np.array([target]), c.weights, training=False), target


def shown(qtbot, win, node_id, key):
    select(win, node_id)
    view = view_of(win)
    qtbot.waitUntil(lambda: win._test_panels.gradients.current() is not None and key in view.numbers, timeout=10000)
    return view


def test_loss_view_is_probabilities_minus_one_hot(qtbot, gwin):
    view = shown(qtbot, gwin, "fc", "loss")
    ref, target = reference(gwin)
    lg = view.numbers["loss"]
    p = np.exp(ref.logits[0] - ref.logits[0].max())
    p /= p.sum()
    onehot = np.eye(3)[target]
    np.testing.assert_allclose(lg.engine, ref.outputs["fc"][0], atol=1e-7)
    np.testing.assert_allclose(lg.engine, p - onehot, atol=1e-6)
    assert lg.loss == pytest.approx(ref.loss, rel=1e-6)
    assert view.target.currentText() == f"predicted: {LABELS[target]}"
    assert "dL/dlogit = p − one-hot(t)" in view.text.text() and LABELS[target] in view.text.text()
    assert view.pictures.currentWidget() is view.bars and view.bars.names == LABELS


def test_choosing_a_target_class_recomputes(qtbot, gwin):
    view = shown(qtbot, gwin, "fc", "loss")
    _, predicted = reference(gwin)
    other = (predicted + 1) % 3
    view.target.setCurrentIndex(other + 1)
    view.target.activated.emit(other + 1)
    qtbot.waitUntil(lambda: gwin._test_panels.gradients.current() is not None and
                    gwin._test_panels.gradients.current().target == other and "loss" in view.numbers, timeout=10000)
    ref, _ = reference(gwin, other)
    np.testing.assert_allclose(view.numbers["loss"].engine, ref.outputs["fc"][0], atol=1e-7)
    assert view.numbers["loss"].onehot[other] == 1


def test_relu_mask_passes_where_the_input_was_positive(qtbot, gwin):
    view = shown(qtbot, gwin, "relu1", "slope")
    ref, _ = reference(gwin)
    lg, slope = view.numbers["layer"], view.numbers["slope"]
    x = ref.activations["conv1"][0]
    np.testing.assert_allclose(lg.g, ref.outputs["relu1"][0], atol=1e-8)
    np.testing.assert_allclose(lg.dx, ref.outputs["conv1"][0], atol=1e-8)
    np.testing.assert_allclose(lg.dx, lg.g * (x > 0), atol=1e-8)
    defined = np.isfinite(slope)
    assert defined.any() and np.array_equal(slope[defined], (x > 0)[defined].astype(np.float32))
    titles = [p.title for p in view.maps.panels]
    assert titles[1] == "mask: input > 0" and np.array_equal(np.unique(view.maps.panels[1].values), [0.0, 1.0])


def test_max_pool_routes_each_window_to_its_arg_max(qtbot, gwin):
    view = shown(qtbot, gwin, "pool1", "route")
    ref, _ = reference(gwin)
    g_pool = ref.outputs["pool1"][0]
    x = ref.activations["relu1"][0]
    for c, r, col in [(0, 0, 0), (1, 2, 3), tuple(int(v) for v in np.unravel_index(np.argmax(np.abs(g_pool)),
                                                                                      g_pool.shape))]:
        view.spins["channel"].setValue(c)
        view.spins["row"].setValue(r)
        view.spins["col"].setValue(col)
        route = view.numbers["route"]
        window = x[c, 2 * r:2 * r + 2, 2 * col:2 * col + 2]
        first_max = np.unravel_index(int(np.argmax(window)), (2, 2))  # first in scan order, as PyTorch
        assert route.argmax == (2 * r + first_max[0], 2 * col + first_max[1])
        assert route.g == pytest.approx(float(g_pool[c, r, col]))
        expected = np.zeros((2, 2), np.float32)
        expected[first_max] = g_pool[c, r, col]
        np.testing.assert_allclose(route.share, expected, atol=1e-9)
        assert view.canvas.route is route and view.canvas.position == (r, col)
    np.testing.assert_allclose(view.numbers["layer"].dx, ref.outputs["relu1"][0], atol=1e-8)


def test_average_pool_spreads_the_gradient_evenly(qtbot, gwin):
    view = shown(qtbot, gwin, "avg", "route")
    ref, _ = reference(gwin)
    route = view.numbers["route"]
    g = ref.outputs["avg"][0, route.channel, route.row, route.col]
    np.testing.assert_allclose(route.share, np.full((2, 2), g / 4, np.float32), rtol=1e-6, atol=1e-12)
    assert route.argmax is None
    np.testing.assert_allclose(view.numbers["layer"].dx, ref.outputs["conv2"][0], atol=1e-8)


def test_conv_dx_is_the_transposed_matrix_and_dw_a_summed_correlation(qtbot, gwin):
    view = shown(qtbot, gwin, "conv2", "check")
    ref, _ = reference(gwin)
    view.spins["filter"].setValue(3)
    view.spins["slice"].setValue(1)
    corr = view.numbers["correlation"]
    np.testing.assert_allclose(corr, ref.weights["conv2"]["weight"][3, 1], rtol=1e-4, atol=1e-7)
    lg = view.numbers["layer"]
    np.testing.assert_allclose(lg.dw["weight"], ref.weights["conv2"]["weight"], atol=1e-8)
    np.testing.assert_allclose(lg.dx, ref.outputs["pool1"][0], atol=1e-8)
    check = view.numbers["check"]
    assert check.shape == (4, 6, 6) and check.difference < 1e-6
    assert np.abs(check.engine).max() > 0  # a real gradient, not two zero arrays
    assert "Mᵀ·dL/dy" in view.text.text()


def test_dense_weight_gradient_is_the_outer_product(qtbot, gwin):
    view = shown(qtbot, gwin, "fc", "loss")
    view.mode.setCurrentIndex(view.mode.findData("dense"))
    view.mode.activated.emit(view.mode.currentIndex())
    ref, _ = reference(gwin)
    outer = view.numbers["outer"]
    np.testing.assert_allclose(outer, np.outer(ref.outputs["fc"][0], ref.activations["flat"][0]), atol=1e-8)
    np.testing.assert_allclose(view.numbers["layer"].dw["weight"], ref.weights["fc"]["weight"], atol=1e-8)


def test_one_step_lowers_the_loss_and_apply_is_one_undo_step(qtbot, gwin):
    view = shown(qtbot, gwin, "fc", "loss")
    ref, _ = reference(gwin)
    box = view.step
    box.lr.setValue(0.05)
    box.step.click()
    qtbot.waitUntil(lambda: box.result is not None, timeout=10000)
    result = box.result
    assert result.loss_before == pytest.approx(ref.loss, rel=1e-6)
    assert result.loss_after < result.loss_before
    c = gwin._test_panels.controller
    before = {k: v["weight"].copy() for k, v in c.weights.items() if "weight" in v}
    np.testing.assert_allclose(result.weights["fc"]["weight"], before["fc"] - 0.05 * ref.weights["fc"]["weight"],
                               atol=1e-7)
    rel = np.linalg.norm(np.concatenate([(result.weights["fc"][k] - c.weights["fc"][k]).ravel() for k in ("weight", "bias")]))
    rel /= np.linalg.norm(np.concatenate([c.weights["fc"][k].ravel() for k in ("weight", "bias")]))
    assert result.changes["fc"] == pytest.approx(rel, rel=1e-4)
    assert "‖Δw‖/‖w‖" in box.text.text()
    depth = gwin.doc.stack.count()
    box.apply.click()
    assert gwin.doc.stack.count() == depth + 1
    np.testing.assert_allclose(gwin.doc.weight_book.arrays["fc"]["weight"], result.weights["fc"]["weight"])
    gwin.doc.stack.undo()
    np.testing.assert_array_equal(gwin.doc.weight_book.arrays["fc"]["weight"], before["fc"])
    np.testing.assert_array_equal(gwin.doc.weight_book.arrays["conv1"]["weight"], before["conv1"])


def test_feature_maps_show_dl_dy_beside_each_map(qtbot, gwin):
    panels = gwin._test_panels
    select(gwin, "conv2")
    show_dock(panels, "feature_maps")
    maps = panels.feature_maps
    width = maps.grid.tiles[0].image.shape[1]
    assert not maps.gradients.toggle.isChecked() and not maps.gradients.view.isVisible()
    maps.gradients.toggle.setChecked(True)
    qtbot.waitUntil(lambda: panels.gradients.current() is not None and maps.grid.tiles[0].image.shape[1] > width,
                    timeout=10000)
    QApplication.processEvents()
    ref, _ = reference(gwin)
    np.testing.assert_allclose(maps.gradients.maps("conv2", maps.maps.shape), ref.outputs["conv2"][0], atol=1e-8)
    assert maps.gradients.view.isVisible()
    np.testing.assert_allclose(maps.gradients.view.values, ref.outputs["conv2"][0][maps.channel], atol=1e-8)
    lo, hi = maps.gradients.view.colorbar.levels()
    assert lo == pytest.approx(-hi) and hi == pytest.approx(float(np.abs(ref.outputs["conv2"][0]).max()), rel=1e-5)
    assert "dL/dy" in maps.note.text()
    tile = maps.grid.tiles[0].image
    assert tile.shape[1] > 2 * width  # map, gap, gradient
    maps.gradients.toggle.setChecked(False)
    assert maps.grid.tiles[0].image.shape[1] == width


def test_filters_show_dl_dw_under_each_filter(qtbot, gwin):
    panels = gwin._test_panels
    select(gwin, "conv1")
    show_dock(panels, "filters")
    filters = panels.filters
    height = filters.grid.tiles[0].image.shape[0]
    filters.gradients.toggle.setChecked(True)
    qtbot.waitUntil(lambda: panels.gradients.current() is not None and filters.grid.tiles[0].image.shape[0] > height,
                    timeout=10000)
    ref, _ = reference(gwin)
    np.testing.assert_allclose(filters.gradients.weight_grad("conv1", filters.weight.shape),
                               ref.weights["conv1"]["weight"], atol=1e-8)
    assert "dL/dW" in filters.explain.text()


def test_one_value_on_a_max_pool_pixel_marks_the_maximum(qtbot, gwin):
    panels = gwin._test_panels
    breakdown = gwin.explain.views["breakdown"]
    x = panels.controller.results.activations["relu1"]
    for c, r, col in [(1, 2, 3), (3, 5, 0)]:
        panels.feature_maps.pixel_clicked.emit("pool1", c, r, col)
        window = x[c, 2 * r:2 * r + 2, 2 * col:2 * col + 2]
        dy, dx = np.unravel_index(int(np.argmax(window)), (2, 2))
        assert breakdown.pool is not None
        assert breakdown.pool.input_cell(breakdown.pool.argmax) == (2 * r + dy, 2 * col + dx)
        np.testing.assert_array_equal(breakdown.pool.values, window)
        text = breakdown.text()
        assert f"the maximum (▶) is the input at row {2 * r + dy}, column {2 * col + dx}" in text
        assert text.count("▶") == 2  # named once in the sentence, marked once in the table
    panels.feature_maps.pixel_clicked.emit("relu1", 0, 1, 1)
    assert breakdown.pool is None and "▶" not in breakdown.text()
