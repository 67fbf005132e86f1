"""Sliding window view: positions, the output-size formula with numbers, never-covered cells."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from convstudio.layers import arithmetic as ar
from convstudio.qt.explain.text import plain
from convstudio.qt.explain.window.window_view import WindowView

from .explain_helpers import build, conv_net, document


@pytest.fixture
def view(qtbot):
    v = WindowView(document(conv_net()))
    qtbot.addWidget(v)
    v.resize(1000, 560)
    v.show()
    return v


def test_reference_case_formula_and_positions(view, qtbot):
    view.try_values(size=5, kernel=3, stride=2, padding=1)  # Dumoulin & Visin: o = 3
    assert view.sw.output_shape == (3, 3)
    assert "⌊(5 + 2·1 − 3) / 2⌋ + 1 = 3" in view.text()
    assert view.slider.maximum() == 8
    view.step(1)
    assert view.position() == (0, 1) and view.canvas.position == (0, 1)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.position() == (1, 1)
    assert "output (1, 1) reads padded rows 2–4 and columns 2–4" in view.text()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.position() == (2, 2)
    view.step(1)
    assert view.position() == (2, 2)  # stepping stops at the last position; Play wraps around
    view.step(1, wrap=True)
    assert view.position() == (0, 0)


@pytest.mark.parametrize("i,k,s,p,d", [(4, 3, 1, 0, 1), (5, 4, 1, 2, 1), (5, 3, 1, 2, 1), (5, 3, 2, 0, 1),
                                       (7, 3, 2, 0, 2)])
def test_formula_matches_reference_arithmetic(view, i, k, s, p, d):
    view.try_values(size=i, kernel=k, stride=s, padding=p, dilation=d)
    o = (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1
    assert view.sw.output_shape == (o, o)
    assert f"= {o}" in view.text() and view.slider.maximum() == o * o - 1


def test_never_covered_cells_follow_the_formula(view):
    view.try_values(size=6, kernel=3, stride=2, padding=0)  # (6 − 3) mod 2 = 1 row and 1 column left over
    left = ar.uncovered(6, 3, 2, (0, 0), 1)
    assert left == 1
    never = view.canvas.never_covered()
    rows = [r for r in range(6) if never[r].all()]
    cols = [c for c in range(6) if never[:, c].all()]
    assert rows == cols == [5]
    assert never.sum() == 6 * left + 6 * left - left * left
    assert "never covered" in view.text() and "3 mod 2 = 1" in view.text()


def test_window_as_large_as_the_input_has_one_position(view):
    view.try_values(size=7, kernel=7, stride=5, padding=0)
    assert view.sw.output_shape == (1, 1) and not view.slider.isEnabled()
    assert "any stride S gives the same single output" in view.text()


def test_dilation_leaves_gaps_inside_the_footprint(view):
    view.try_values(size=7, kernel=3, stride=1, padding=0, dilation=2)
    assert view.sw.cells(0, 0)[:3] == [(0, 0), (0, 2), (0, 4)]
    assert "k̂ = 3 + (3 − 1)(2 − 1) = 5" in view.text()


def test_follows_the_selected_layer_and_edits(qtbot):
    doc = document(build(("image", "Input", {"channels": 1, "height": 9, "width": 9}, []),
                         ("conv", "Conv2D", {"filters": 2, "kernel_size": 3}, ["image"]),
                         ("pool", "MaxPool2D", {"kernel_size": 2}, ["conv"])))
    view = WindowView(doc)
    qtbot.addWidget(view)
    assert view.node_id == "conv" and view.sw.output_shape == (7, 7)
    view.show_selection(["pool"])
    assert view.sw.layer_type == "MaxPool2D" and view.sw.pad_value == "−∞"
    assert "⌊(7 − 2) / 2⌋ + 1 = 3" in view.text() and "largest" in view.text()
    view.show_selection(["image"])  # not a sliding layer: keep showing the pool
    assert view.node_id == "pool"
    from convstudio.graph import SetParams
    doc.push(SetParams("pool", {"kernel_size": 3}))
    assert "⌊(7 − 3) / 3⌋ + 1 = 2" in view.text()


def test_large_input_is_cropped_around_the_window(qtbot):
    view = WindowView(document("vgg16"))
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    view.show_node("conv1_1")
    view.go_to(100, 150)
    view.canvas.grab()  # paints it
    g = view.canvas.input_geometry
    assert g.rows[1] - g.rows[0] < 226 and g.rows[0] <= 100 and g.rows[1] > 102
    assert g.cols[0] <= 150 and g.cols[1] > 152 and g.cell >= 12
    assert view.position() == (100, 150)


def test_play_steps_with_the_timer(view, qtbot):
    view.try_values(size=5, kernel=3, stride=1, padding=0)
    view.timer.setInterval(5)
    view.play.setChecked(True)
    qtbot.waitUntil(lambda: view.position_index >= 3, timeout=2000)
    view.play.setChecked(False)
    assert view.play.text() == "Play" and not view.timer.isActive()
    assert np.all(view.canvas.mask == False)


def test_clicking_an_output_cell_moves_the_window(view, qtbot):
    view.try_values(size=5, kernel=3, stride=1, padding=0)
    qtbot.waitExposed(view)
    view.canvas.grab()
    target = view.canvas.output_geometry.rect(2, 1).center().toPoint()
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=target)
    assert view.position() == (2, 1)


def test_crop_keeps_the_focus_in_view():
    from convstudio.engine.explain.crop import cell_size, visible_range

    assert visible_range(10, (2, 4), 20) == (0, 10)
    assert visible_range(226, (100, 102), 30) == (86, 116)
    assert visible_range(226, (0, 2), 30) == (0, 30) and visible_range(226, (223, 225), 30) == (196, 226)
    assert cell_size(300, 10) == (30.0, 10) and cell_size(300, 226)[1] == 25


@pytest.mark.parametrize("kind", ["Conv2D", "MaxPool2D"])
def test_a_kernel_that_does_not_fit_says_why_where_the_grids_would_be(view, kind):
    view.try_values(kind, size=5, kernel=7, stride=1, padding=0)
    said = view.canvas.message()
    assert "Select a" not in said
    assert "kernel 7 needs 7 pixels" in said and "only 5" in said
    view.canvas.grab()  # paints the message without failing
    view.try_values(kind, size=5, kernel=3, stride=1, padding=0)
    assert view.canvas.window_ is not None and view.canvas.reason == ""


@pytest.mark.parametrize("kind, says, not_said", [("Conv2D", "multiplied by its weight", "no weights"),
                                                  ("MaxPool2D", "largest is kept", "weight,"),
                                                  ("AvgPool2D", "averaged", "multiplied")])
def test_the_legend_says_what_the_layer_does_with_its_taps(view, kind, says, not_said):
    view.try_values(kind, size=6, kernel=2, stride=2, padding=0)
    legend = plain(view.legend.text())
    assert says in legend and not_said not in legend
    if kind != "Conv2D":
        assert "multiplied" not in legend
