"""Filters (K filters, each as deep as its input; groups) and the input image panel."""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from convstudio.qt.panels.filter_render import filter_image, group_inputs, slice_scale

from .conftest import select, show_dock, wait_idle


def test_first_conv_layer_filters_with_depth_bias_and_colour_patch(win, panels):
    show_dock(panels, "filters")
    select(win, "conv1")
    f = panels.filters
    assert len(f.grid.tiles) == 8
    bias = panels.controller.weights["conv1"]["bias"]
    assert f.grid.tiles[3].title == f"filter 3 · b {bias[3]:+.3g}"
    assert "8</b> filters, each 3×3×3" in f.header.text()
    assert "colour" in f.explain.text()
    s = slice_scale(3, 3, 3)
    patch_and_slices = 3 * s + 4 + 3 * (3 * s + 1) - 1
    assert f.grid.tiles[0].image.shape == (3 * s, patch_and_slices, 3)


def test_grouped_convolution_says_which_inputs_each_filter_sees(win, panels):
    show_dock(panels, "filters")
    select(win, "conv2")
    titles = [t.title for t in panels.filters.grid.tiles]
    assert len(titles) == 6
    assert titles[0].endswith("sees input ch 0–3") and titles[5].endswith("sees input ch 4–7")
    assert "groups=2" in panels.filters.explain.text()
    assert "6</b> filters, each 4×3×3" in panels.filters.header.text()
    assert group_inputs(2, 6, 4, 2) == (0, 3) and group_inputs(3, 6, 4, 2) == (4, 7)


def test_layers_without_filters_explain_why(win, panels):
    show_dock(panels, "filters")
    select(win, "fc")
    assert panels.filters.message.isVisible()
    assert "Dense" in panels.filters.message.text() and "1176 inputs" in panels.filters.message.text()
    select(win, "relu1")
    assert "no filters" in panels.filters.message.text()


def test_deep_filters_wrap_and_are_paged():
    kernel = np.random.default_rng(0).normal(size=(512, 3, 3)).astype(np.float32)
    image = filter_image(kernel, 1.0)
    s = slice_scale(3, 3, 512)
    assert image.shape == (16 * (3 * s + 1) - 1, 32 * (3 * s + 1) - 1, 3)
    from convstudio.qt.panels.filters import filters_per_page
    assert filters_per_page(3) == 64 and filters_per_page(512) == 8


def test_hidden_filters_panel_draws_when_shown(win, panels):
    select(win, "conv2")
    assert panels.filters._dirty  # the Feature maps tab is in front
    show_dock(panels, "filters")
    assert len(panels.filters.grid.tiles) == 6 and not panels.filters._dirty


def test_input_panel_shows_the_original_and_the_network_input(win, panels):
    ip = panels.input_panel
    assert ip.source.currentData() == "sample:shapes"
    assert "drawn at 32×32" in ip.original_caption.text()
    assert "3×32×32" in ip.prepared_caption.text()
    tips = [ip.source.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(ip.source.count())]
    assert all(tips)


def test_choosing_a_sample_reruns(win, panels, qtbot):
    ip = panels.input_panel
    before = panels.controller.results
    ip.source.setCurrentIndex(ip.source.findData("sample:checkerboard"))
    ip.source.activated.emit(ip.source.currentIndex())
    wait_idle(qtbot, panels.controller)
    assert panels.controller.results is not before
    assert panels.controller.results.source == "sample:checkerboard"


def test_opening_an_image_file_resizes_it_for_the_network(win, panels, qtbot, tmp_path, file_answers):
    path = tmp_path / "photo.png"
    Image.fromarray((np.random.default_rng(0).random((90, 120, 3)) * 255).astype(np.uint8)).save(path)
    file_answers.open_image = str(path)
    panels.input_panel.open.click()
    wait_idle(qtbot, panels.controller)
    ip = panels.input_panel
    assert "photo.png, 120×90 pixels (RGB)" in ip.original_caption.text()
    assert panels.controller.images.prepared["image"].shape == (3, 32, 32)
    assert ip.source.currentText() == "File: photo.png"


def test_imagenet_normalization_is_labelled(win, panels, qtbot):
    ip = panels.input_panel
    ip.normalize.setCurrentIndex(1)
    ip.normalize.activated.emit(1)
    wait_idle(qtbot, panels.controller)
    assert "ImageNet-normalized" in ip.prepared_caption.text()
    assert panels.controller.images.prepared["image"].min() < 0


def test_dropping_an_image_file_on_the_panel_uses_it(win, panels, qtbot, tmp_path):
    path = tmp_path / "drop.jpg"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    ip = panels.input_panel
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    ip.dropEvent(event)
    QApplication.processEvents()
    wait_idle(qtbot, panels.controller)
    assert panels.controller.source == str(path)
    assert "drop.jpg" in ip.original_caption.text()


def test_the_zoom_enlarges_the_drawn_filters(win, panels):
    show_dock(panels, "filters")
    select(win, "conv2")
    f = panels.filters
    h, w = f.grid.tiles[0].image.shape[:2]
    assert (f.grid.image_size.width(), f.grid.image_size.height()) == (w, h)
    f.zoom.setCurrentIndex(f.zoom.findData(3))
    assert (f.grid.image_size.width(), f.grid.image_size.height()) == (3 * w, 3 * h)
    rect = f.grid.image_rect(0)
    assert (rect.width(), rect.height()) == (3 * w, 3 * h)  # painted three times as large
    select(win, "relu1")
    assert not f.zoom.isVisible()
