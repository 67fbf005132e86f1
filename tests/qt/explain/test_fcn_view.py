"""Class scores: bars for an output of 3×1×1, score maps over the image for 3×h×w."""
from __future__ import annotations

import numpy as np
import pytest

from convstudio.io.templates import load_template
from convstudio.qt.explain.fcn_view import BARS, MAPS, FcnView
from convstudio.qt.explain.score_plots import BEST, map_rect

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
    assert view.map_view.overlay.image.shape == (9, 9, 3) and "triangle" in view.legend.text()
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
