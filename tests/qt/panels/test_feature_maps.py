"""The feature-maps panel follows the canvas selection and shows every output channel."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from convstudio.qt.panels.bars import label_groups
from convstudio.qt.panels.map_render import is_flat

from .conftest import png_pixels, select, wait_idle


def test_first_launch_shows_the_first_conv_layer(panels):
    maps = panels.feature_maps
    assert maps.node_id == "conv1"
    assert maps.stack.currentWidget() is maps.split
    assert len(maps.grid.tiles) == 8


def test_selecting_a_node_shows_all_its_channels_titled(win, panels):
    select(win, "conv2")
    maps = panels.feature_maps
    assert maps.node_id == "conv2"
    assert maps.maps.shape == (6, 14, 14)
    assert [t.title.split(" · ")[0] for t in maps.grid.tiles] == [f"ch {c}" for c in range(6)]
    assert "conv2" in maps.header.text() and "6×14×14" in maps.header.text()
    assert maps.pager.label.text() == "6 channels"


def test_input_layer_shows_the_image_channels(win, panels):
    select(win, "image")
    assert panels.feature_maps.maps.shape == (3, 32, 32)
    assert "as the network receives it" in panels.feature_maps.header.text()


def test_flat_output_shows_bars_with_top_entries(win, panels):
    select(win, "probs")
    maps = panels.feature_maps
    assert maps.stack.currentWidget() is maps.bars
    values = panels.controller.results.activations["probs"]
    assert np.isclose(values.sum(), 1.0, atol=1e-5)
    assert maps.bars.values.size == 10
    assert list(maps.bars.top) == list(np.argsort(-values, kind="stable")[:5])
    assert [item.toPlainText() for item in maps.bars.labels] == [f"{v:.3g}" for v in values]  # few: all
    assert "Top 5" in maps.bars.ranking.text()
    assert not maps.cmap.isVisible()


def test_long_flat_output_labels_only_the_top_entries(qtbot):
    from convstudio.qt.panels.bars import BarChart

    chart = BarChart()
    qtbot.addWidget(chart)
    values = np.random.default_rng(1).normal(size=1000).astype(np.float32)
    chart.show_values(values)
    top = np.argsort(-values)[:5]
    named = [name for item in chart.labels for name in item.toPlainText().split(", ")]
    assert sorted(named) == sorted(str(i) for i in top)
    assert list(chart.highlighted()) == list(top)


def test_neighbouring_top_entries_share_a_label_instead_of_overlapping(qtbot):
    """Flatten's largest values are often neighbours: 544, 545, 557, 631 and 644 of 1,690."""
    from convstudio.qt.panels.bars import BarChart

    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(480, 280)
    chart.show()
    values = np.zeros(1690, np.float32)
    values[[544, 545, 557, 631, 644, 1500]] = [0.5, 0.6, 0.55, 0.7, 0.65, 0.1]
    values[1200] = 0.68  # far from the others: a label of its own
    chart.show_values(values)
    qtbot.wait(50)
    rects = [item.sceneBoundingRect() for item in chart.labels]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    texts = sorted(item.toPlainText() for item in chart.labels)
    assert "1200" in texts and len(texts) < 5
    assert sorted(n for t in texts for n in t.split(", ")) == sorted(["545", "631", "644", "1200", "557"])


def test_label_groups_merge_only_labels_that_would_touch():
    width = lambda text: 10.0 * len(text)  # noqa: E731
    assert label_groups([(0.0, "a"), (100.0, "b")], width) == [[0], [1]]
    assert label_groups([(100.0, "b"), (0.0, "a"), (12.0, "c")], width) == [[1, 2], [0]]
    assert label_groups([(0.0, "aa"), (20.0, "bb"), (41.0, "cc")], width) == [[0, 1, 2]]


def test_c_by_1_by_1_maps_count_as_flat():
    assert is_flat(np.zeros((3, 1, 1))) and is_flat(np.zeros(7)) and not is_flat(np.zeros((3, 2, 2)))


def test_clicking_a_thumbnail_shows_it_large(win, panels, qtbot):
    maps = panels.feature_maps
    rect = maps.grid.image_rect(5)
    qtbot.mouseClick(maps.grid, Qt.MouseButton.LeftButton, pos=rect.center())
    assert maps.channel == 5 and maps.grid.current == 5
    assert "ch 5 of 8" in maps.view.title.text()
    assert np.array_equal(maps.view.values, maps.maps[5])
    counts = maps.view.curve.getData()[1]
    assert counts.sum() == maps.maps[5].size  # the histogram counts every pixel


def test_clicking_a_pixel_in_the_large_view_emits_pixel_clicked(win, panels, qtbot):
    maps = panels.feature_maps
    maps.select_channel(2)
    view = maps.view
    scene_pos = view.plot.vb.mapViewToScene(QPointF(7.5, 4.5))  # x = col, y = row
    widget_pos = view.picture.mapFromScene(scene_pos)
    with qtbot.waitSignal(maps.pixel_clicked, timeout=2000) as signal:
        qtbot.mouseClick(view.picture.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    assert signal.args == ["conv1", 2, 4, 7]
    assert view.marker.isVisible() and "row 4, col 7" in view.readout.text()


def test_shared_and_per_channel_normalization_and_colormap(win, panels):
    maps = panels.feature_maps
    per_channel = [t.image.copy() for t in maps.grid.tiles]
    maps.scaling.setCurrentIndex(1)
    shared = [t.image for t in maps.grid.tiles]
    assert any(not np.array_equal(a, b) for a, b in zip(per_channel, shared))
    lo, hi = maps.ranges.levels(0, shared=True)
    assert (lo, hi) == (float(maps.maps.min()), float(maps.maps.max()))
    maps.cmap.setCurrentText("gray")
    image = maps.grid.tiles[0].image
    assert np.array_equal(image[..., 0], image[..., 1])  # gray: R == G == B


def test_large_layers_are_paged(qtbot):
    from convstudio.graph import SetParams

    from .conftest import make_window, panels_network

    net = panels_network()
    SetParams("conv1", {"filters": 150}).redo(net)
    _win, panels = make_window(qtbot, net)
    qtbot.waitUntil(lambda: panels.controller.results is not None, timeout=20000)
    maps = panels.feature_maps
    assert maps.maps.shape[0] == 150 and len(maps.grid.tiles) == 64
    assert maps.pager.label.text() == "1–64 of 150 channels"
    maps.pager.next.click()
    assert maps.grid.tiles[0].title.startswith("ch 64")
    maps.select_channel(140)
    assert maps.pager.page == 2 and len(maps.grid.tiles) == 150 - 128
    assert maps.grid.current == 140 - 128
    panels.controller.shutdown()


def test_export_grid_and_map_png_and_activations_npz(win, panels, tmp_path, file_answers, qtbot, messages):
    maps = panels.feature_maps
    file_answers.save = str(tmp_path / "grid.png")
    maps.export_grid.trigger()
    grid = png_pixels(tmp_path / "grid.png")
    assert grid.shape[0] > 100 and grid.std() > 10
    file_answers.save = str(tmp_path / "map.png")
    maps.export_map.trigger()
    single = png_pixels(tmp_path / "map.png")
    assert single.shape[:2] == (256, 256)  # 32×32 enlarged 8× with square pixels
    file_answers.save = str(tmp_path / "acts.npz")
    maps.export_npz.trigger()
    qtbot.waitUntil(lambda: any("acts.npz" in t for t in messages.texts()), timeout=5000)
    with np.load(tmp_path / "acts.npz") as data:
        assert data["conv1"].shape == (1, 8, 32, 32)
        assert np.array_equal(data["conv1"][0], panels.controller.results.activations["conv1"])


def test_export_cancelled_writes_nothing(win, panels, tmp_path, file_answers):
    file_answers.save = ""
    assert panels.feature_maps.export_grid_png() is None
    assert list(tmp_path.iterdir()) == []


def test_deleting_the_shown_layer_falls_back(win, panels, qtbot):
    from convstudio.graph import RemoveNodes

    select(win, "conv2")
    win.doc.push(RemoveNodes(["conv2"]))
    wait_idle(qtbot, panels.controller)
    assert panels.feature_maps.node_id != "conv2"


def test_large_map_axes_end_at_the_map(qtbot):
    """A 62×62 map in a wide box: the aspect lock leaves room beside it, where the axes must not go on."""
    from PySide6.QtGui import QPainter, QPixmap

    from convstudio.qt.panels.map_view import MapView

    view = MapView()
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    view.show_map("map", np.random.default_rng(0).random((62, 62), dtype=np.float32), (0.0, 1.0), "viridis")
    qtbot.wait(50)
    vb = view.plot.vb
    (x0, x1), _ = vb.viewRange()
    assert x0 < -5 and x1 > 67  # the box is wider than the map
    axis = view.plot.getAxis("bottom")
    ticks = [v for _, values in axis.tickValues(x0, x1, axis.width()) for v in values]
    assert ticks and all(0 <= v <= 62 for v in ticks)
    painter = QPainter(QPixmap(10, 10))
    (_pen, p1, p2), _, _ = axis.generateDrawSpecs(painter)
    painter.end()
    left, right = (axis.mapFromScene(vb.mapViewToScene(QPointF(v, 0))).x() for v in (0, 62))
    assert p1.x() >= left - 1 and p2.x() <= right + 1
    assert (len(ticks) - 1) * 25 <= right - left  # spaced for the map's length: labels never touch
