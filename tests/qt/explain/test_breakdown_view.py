"""One output value: the per-channel partial sums plus the bias equal the engine's output."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from convstudio.qt.explain.one_value.breakdown_view import BreakdownView
from convstudio.qt.explain.controls import FitScroll
from convstudio.qt.explain.term_list import order_terms
from convstudio.qt.explain.text import plain

from .explain_helpers import FixedSource, build, conv_net, document, snapshot


def make(qtbot, net, snap=None):
    source = FixedSource(snap)
    view = BreakdownView(document(net), source)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    return view, source


@pytest.mark.parametrize("pixel", [(0, 0, 0), (3, 4, 5), (1, 7, 7)])
def test_total_equals_engine_output(qtbot, pixel):
    net = conv_net(channels=3, size=8, filters=4)
    snap = snapshot(net)
    view, _ = make(qtbot, net, snap)
    view.show_pixel("conv", *pixel)
    b = view.breakdown
    engine = float(snap.acts["conv"][(0, *pixel)])
    assert b.engine == engine
    assert b.total == pytest.approx(engine, abs=1e-5)
    assert len(b.terms) == 3 and len(view.terms.terms) == 3
    text = view.text()
    assert "Σ partial sums + bias" in text and f"engine output = {engine:.6g}".replace("-", "−") in text


def test_many_channels_listed_largest_first(qtbot):
    net = conv_net(channels=64, size=6, filters=8)
    snap = snapshot(net)
    view, _ = make(qtbot, net, snap)
    view.show_pixel("conv", 5, 2, 3)
    shown = view.terms.terms
    assert len(shown) == 64
    sizes = [abs(t.partial) for t in shown]
    assert sizes == sorted(sizes, reverse=True)
    assert "Σ of the 64 partial sums" in view.text()
    view.order.setCurrentIndex(1)
    assert [t.channel for t in view.terms.terms] == list(range(64))
    assert view.terms.height() > 64 * view.terms.row_height()  # every row is in the scroll area


def test_groups_use_only_their_channels(qtbot):
    net = conv_net(channels=4, size=6, filters=4, groups=2)
    view, _ = make(qtbot, net, snapshot(net))
    view.show_pixel("conv", 3, 1, 1)
    assert [t.channel for t in order_terms(view.breakdown.terms, False)] == [2, 3]
    assert view.breakdown.total == pytest.approx(view.breakdown.engine, abs=1e-5)


def test_spin_boxes_pick_the_value_and_field_follows(qtbot):
    net = conv_net(channels=2, size=8, filters=3, padding=1)
    view, _ = make(qtbot, net, snapshot(net))
    boxes = []
    view.field_changed.connect(boxes.append)
    view.show_selection(["conv"])
    view.channel.setValue(2)
    view.row.setValue(0)
    view.col.setValue(7)
    b = view.breakdown
    assert (b.channel, b.row, b.col) == (2, 0, 7)
    assert (b.field.top, b.field.left, b.field.bottom, b.field.right) == (0, 6, 1, 7)
    assert boxes[-1] is b.field and view.field.box is b.field
    assert view.channel.maximum() == 2 and view.row.maximum() == 7


def test_messages_without_a_run_or_for_other_layers(qtbot):
    net = conv_net()
    view, source = make(qtbot, net, None)
    assert view.breakdown is None and "no run" in view.text()
    source.set(snapshot(net))
    assert view.breakdown is not None
    view.show_pixel("relu", 0, 1, 1)
    assert "Conv2D" in view.text() and view.stack.currentWidget() is view.message


def pool_net():
    return build(("image", "Input", {"channels": 2, "height": 8, "width": 8}, []),
                 ("conv", "Conv2D", {"filters": 3, "kernel_size": 3, "padding": 1}, ["image"]),
                 ("pool", "MaxPool2D", {"kernel_size": 2}, ["conv"]))


def test_a_picked_pool_pixel_is_named_in_the_header(qtbot):
    net = pool_net()
    view, _ = make(qtbot, net, snapshot(net))
    view.show_pixel("conv", 1, 2, 3)
    assert view.header.text().startswith("<b>conv</b>")
    view.show_pixel("pool", 2, 1, 0)
    header = plain(view.header.text())
    assert header.startswith("pool · MaxPool2D") and "conv" not in header
    assert "row 1, column 0" in header and "largest value" in view.text()


def in_dock(qtbot, view, width, height) -> FitScroll:
    dock = FitScroll(view)
    qtbot.addWidget(dock)
    dock.resize(width, height)
    dock.show()
    qtbot.wait(50)
    return dock


def test_the_sum_and_a_whole_channel_row_fit_a_short_dock(qtbot):
    """At 1366×768 the One Value dock is about 490×250: the answer must not sit below the fold."""
    net = conv_net(channels=10, size=8, filters=4)
    view = BreakdownView(document(net), FixedSource(snapshot(net)))
    dock = in_dock(qtbot, view, 490, 250)
    view.show_pixel("conv", 1, 3, 3)
    qtbot.wait(50)
    visible = dock.viewport().rect()
    sum_box = view.sum.rect().translated(view.sum.mapTo(dock.viewport(), view.sum.rect().topLeft()))
    assert visible.contains(sum_box)
    terms = view.terms
    first_row_bottom = terms.mapTo(dock.viewport(), terms.rect().topLeft()).y() + 22 + terms.row_height()
    assert first_row_bottom <= visible.bottom()
    assert terms.cell >= 28  # small enough to fit, large enough that "−0.06" is still written in


def test_the_wheel_scrolls_the_page_and_ctrl_wheel_zooms_the_picture(qtbot):
    net = conv_net(channels=2, size=8, filters=3)
    view = BreakdownView(document(net), FixedSource(snapshot(net)))
    dock = in_dock(qtbot, view, 490, 700)  # noqa: F841 (holds the view)
    view.show_pixel("conv", 1, 3, 3)
    side = view.findChild(QScrollArea, "breakdown-side-scroll")
    view.split.setSizes([500, 150])  # the picture's column is shorter than the picture and its text
    qtbot.wait(50)
    bar = side.verticalScrollBar()
    assert bar.maximum() > 0
    picture = view.field.view
    before = view.field.plot.viewRange()

    def wheel(modifiers):
        centre = QPointF(picture.viewport().rect().center())
        event = QWheelEvent(centre, QPointF(picture.viewport().mapToGlobal(centre.toPoint())), QPoint(0, 0),
                            QPoint(0, -120), Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(picture.viewport(), event)
        qtbot.wait(20)

    wheel(Qt.KeyboardModifier.NoModifier)
    assert bar.value() > 0 and view.field.plot.viewRange() == before
    wheel(Qt.KeyboardModifier.ControlModifier)
    assert view.field.plot.viewRange() != before


def test_cell_numbers_never_read_minus_zero():
    from convstudio.qt.explain.grid_painter import cell_number

    assert cell_number(-0.004) == "0.00" and cell_number(-0.006) == "−0.01" and cell_number(0.25) == "0.25"
