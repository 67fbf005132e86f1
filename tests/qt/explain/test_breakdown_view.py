"""One output value: the per-channel partial sums plus the bias equal the engine's output."""
from __future__ import annotations

import pytest

from convstudio.qt.explain.breakdown_view import BreakdownView
from convstudio.qt.explain.term_list import order_terms

from .explain_helpers import FixedSource, conv_net, document, snapshot


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
