"""Class scores: bars for an output of 3×1×1, score maps over the image for 3×h×w."""
from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest

from convstudio.graph import SetParams
from convstudio.io.templates import load_template
from convstudio.qt.explain.scores.fcn_view import BARS, MAPS, FcnView
from convstudio.qt.explain.scores.score_plots import BEST, map_rect

from .explain_helpers import FixedSource, document, snapshot


def make(qtbot, net, snap):
    view = FcnView(document(net), FixedSource(snap))
    qtbot.addWidget(view)
    view.resize(1000, 560)
    view.show()
    return view


def test_three_class_network_shows_bars(qtbot):
    net = load_template("fcn3")
    snap = snapshot(net)
    view = make(qtbot, net, snap)
    assert view.mode == BARS and view.maps.map_size == (1, 1)
    ranking = view.bars.ranking
    names = net.labels  # the bundled FCN-3 is trained on shapes and names its classes
    assert [r.label for r in ranking] == [names[i] for i in np.argsort(-snap.acts["score"][0, :, 0, 0])]
    assert sum(r.probability for r in ranking) == pytest.approx(1, rel=1e-5)
    text = view.text()
    assert "3×1×1" in text and "classify 3 classes" in text and "Yes" in text
    assert "trained on these classes" in text


def test_larger_image_gives_score_maps(qtbot):
    net = load_template("fcn3")
    snap = snapshot(net, size=(128, 128))  # the same weights slide over a larger image
    view = make(qtbot, net, snap)
    assert view.mode == MAPS and view.maps.map_size == (9, 9)
    assert "3×9×9" in view.text() and "78×78" in view.text()
    assert view.chooser.count() == 4 and view.chooser.itemData(3) == BEST
    shown = view.map_view.overlay.image
    np.testing.assert_allclose(shown, view.maps.probabilities[0, 0])
    view.chooser.setCurrentIndex(2)
    np.testing.assert_allclose(view.map_view.overlay.image, view.maps.probabilities[0, 2])
    view.value.setCurrentIndex(1)
    np.testing.assert_allclose(view.map_view.overlay.image, snap.acts["score"][0, 2])
    view.opacity.setValue(30)
    assert view.map_view.overlay.opacity() == pytest.approx(0.3)
    view.chooser.setCurrentIndex(3)
    assert view.map_view.overlay.image.shape == (9, 9, 3)
    winners = {names[i] for i in np.unique(view.maps.best[0])} if (names := net.labels) else set()
    assert winners and all(name in view.legend.text() for name in winners)
    rect = view.map_view.rect
    assert (rect.left(), rect.width()) == (28.0, 72.0)  # centres 31.5 + 8·j, squares 8 wide


def test_flat_dense_output_is_bars_too(qtbot):
    net = load_template("tinyvgg")
    view = make(qtbot, net, snapshot(net))
    assert view.mode == BARS and "Dense layer of 3 numbers" in view.text()


def test_whole_image_fields_cover_the_image():
    assert map_rect(None, (2, 2), (10, 20)).width() == 20


def test_no_run_message(qtbot):
    view = make(qtbot, load_template("fcn3"), None)
    assert "no run" in view.text() and view.pictures.currentWidget() is view.message


def _label_rects(view):
    return [item.sceneBoundingRect() for item in view.bars.items if isinstance(item, pg.TextItem)]


def test_ten_class_labels_are_apart_and_inside_the_plot(qtbot):
    net = load_template("lenet5")
    view = make(qtbot, net, snapshot(net))
    assert view.mode == BARS and len(view.bars.shown_names()) == 10
    qtbot.wait(100)  # laid out and painted: the labels sit where they are drawn
    inside = view.bars.plot.plotItem.vb.sceneBoundingRect()
    rects = _label_rects(view)
    assert len(rects) == 10 and all(inside.contains(r) for r in rects)
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    (lo, hi), _ = view.bars.plot.viewRange()
    ticks = [v for v, _ in view.bars.plot.getAxis("bottom")._tickLevels[0]]
    assert max(ticks) == 1 and hi < 1.1 and lo <= 0


def test_a_thousand_classes_show_their_top_ten_by_name(qtbot):
    net = load_template("fcn3")
    SetParams("score", {"filters": 1000}).redo(net)
    snap = snapshot(net)
    view = make(qtbot, net, snap)
    order = np.argsort(-snap.acts["score"][0, :, 0, 0], kind="stable")[:10]
    assert view.bars.shown_names() == [f"class {i}" for i in order]
    assert view.bars.title.text() == "Top 10 of 1,000 classes"
    assert view.bars.plot.height() >= 10 * 15  # a readable row per bar


@pytest.mark.parametrize("winners", [[900, 5, 5, 31], list(range(0, 960, 12))])
def test_best_class_legend_names_the_classes_on_the_map(qtbot, winners):
    net = load_template("fcn3")
    SetParams("score", {"filters": 1000}).redo(net)
    snap = snapshot(net, size=(128, 128))
    scores = np.zeros((1, 1000, 9, 9), np.float32)
    for place, c in enumerate(np.resize(winners, 81)):  # these classes win, in turn, place after place
        scores[0, c, place // 9, place % 9] = 5.0
    snap.acts["score"] = scores
    view = make(qtbot, net, snap)
    view.chooser.setCurrentIndex(view.chooser.count() - 1)
    present = sorted(set(winners))
    named = re.findall(r"■</span>&nbsp;([^&<]+)", view.legend.text())
    if len(present) <= 20:
        assert sorted(named) == sorted(f"class {c}" for c in present)
    else:  # 19 own colours, the rest counted together
        assert len(named) == 20 and named[-1] == f"{len(present) - 19} other classes"
        assert {f"class {c}" for c in present} >= set(named[:-1])
    colours = {tuple(px) for px in view.map_view.overlay.image.reshape(-1, 3)}
    assert len(colours) == min(len(present), 20)
