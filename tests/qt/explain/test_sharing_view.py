"""Parameter sharing: the reference 4×16 matrix with 36 non-zeros and 9 distinct weights, checked exactly."""
from __future__ import annotations

import numpy as np

from convstudio.qt.explain.sharing.matrix_canvas import block_steps, weight_name
from convstudio.qt.explain.sharing.sharing_view import SharingView
from convstudio.qt.explain.text import plain

from .explain_helpers import conv_net, document


def make(qtbot, net):
    view = SharingView(document(net))
    qtbot.addWidget(view)
    view.resize(1100, 560)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_reference_example(qtbot):
    view = make(qtbot, conv_net())
    view.show_example()  # 1 channel, 3×3 kernel, 4×4 input (REFERENCE.md)
    c = view.counts
    assert c.shape == (4, 16) and c.nonzeros == 36 and c.distinct == 9
    text = view.text()
    assert "4×16" in text and "36 non-zero" in text and "9 distinct" in text
    assert "matrix × flattened input = convolution output (max difference 0.0e+00)" in text
    assert view.difference == 0.0
    m = view.matrix.matrix
    assert np.count_nonzero(m.index >= 0) == 36 and set(np.unique(m.index[m.index >= 0])) == set(range(9))
    assert view.matrix.named and weight_name(4, m.config) == "w4"
    view.matrix.grab()  # paints it
    assert view.matrix.cell >= 14  # drawn cell by cell, names readable


def test_example_spin_boxes_change_the_matrix(qtbot):
    view = make(qtbot, conv_net())
    view.show_example()
    view.spins["P"].setValue(1)
    assert view.counts.shape == (16, 16) and view.difference == 0.0
    view.spins["C"].setValue(2)
    view.spins["K"].setValue(2)
    assert view.counts.distinct == 36 and not view.matrix.named  # colours by tap when there are many weights


def test_selected_layer_small_enough_to_draw(qtbot):
    view = make(qtbot, conv_net(channels=2, size=6, filters=2, padding=1))
    view.show_selection(["conv"])
    assert view.counts.shape == (2 * 36, 2 * 36) and view.difference == 0.0
    assert view.picture.isVisibleTo(view)


def test_big_layer_shows_counts_only(qtbot):
    view = make(qtbot, document("vgg16").net)
    view.show_selection(["conv1_1"])
    assert view.matrix.matrix is None and not view.picture.isVisibleTo(view)
    assert view.counts.distinct == 64 * 3 * 9
    assert "too many to draw" in view.text()


def test_counts_come_back_after_a_state_without_a_conv_layer(qtbot):
    from convstudio.graph import AddNode, Network, UndoStack

    from .explain_helpers import document

    net = Network("no conv")
    UndoStack(net).push(AddNode("Input", node_id="x"))
    view = SharingView(document(net))
    qtbot.addWidget(view)
    view.show()
    view.refresh()  # nothing to show: the count lines are hidden
    view.show_example()
    assert view.counts_label.isVisible() and "36" in view.counts_label.text()


def test_several_channels_explain_their_tap_colours_as_blocks(qtbot):
    view = make(qtbot, conv_net())
    view.show_example(C=2, K=2)
    assert not view.matrix.named and view.counts.distinct == 36
    note = plain(view.legend_note.text())
    assert "9 colours, one per kernel tap" in note and "2 × 2 × 9 = 36" in note
    assert view.legend_note.isVisibleTo(view)
    assert block_steps(view.config) == (4, 16)  # 2×2 outputs per filter, 4×4 inputs per channel
    view.matrix.grab()  # paints the block lines
    view.show_example(C=1, K=1)
    assert view.matrix.named and not view.legend_note.isVisibleTo(view)
