"""Colouring and tiling maps and filters (NumPy), and the tile grid's geometry."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize

from convstudio.qt.panels import colormaps
from convstudio.qt.panels.feature_maps import tile_size
from convstudio.qt.panels.filter_render import filter_image, filter_title, layer_scale
from convstudio.qt.panels.map_render import Ranges, channel_title, shrink, thumbnails
from convstudio.qt.panels.tile_grid import Tile, TileGrid


def test_colormaps_are_offline_tables_with_the_right_ends():
    for name in colormaps.MAP_NAMES:
        table = colormaps.lut(name)
        assert table.shape == (256, 3) and table.dtype == np.uint8
    assert tuple(colormaps.lut("gray")[0]) == (0, 0, 0) and tuple(colormaps.lut("gray")[-1]) == (255, 255, 255)
    white = colormaps.apply(np.array(0.5), colormaps.DIVERGING)
    assert white.min() > 200  # zero weight is (nearly) white in the diverging map


def test_thumbnails_normalize_per_channel_or_shared():
    maps = np.stack([np.linspace(0, 1, 16).reshape(4, 4), np.linspace(0, 10, 16).reshape(4, 4)]).astype(np.float32)
    ranges = Ranges.of(maps)
    own = thumbnails(maps, [0, 1], ranges, shared=False, cmap="gray", thumb=None)
    assert np.array_equal(own[0], own[1])  # same pattern, each stretched to its own range
    same = thumbnails(maps, [0, 1], ranges, shared=True, cmap="gray", thumb=None)
    assert same[0].max() < same[1].max()  # one scale: channel 1 is brighter


def test_constant_maps_are_called_out():
    maps = np.zeros((2, 3, 3), np.float32)
    maps[1, 0, 0] = 1
    ranges = Ranges.of(maps)
    assert channel_title(0, ranges) == "ch 0 · all 0" and channel_title(1, ranges) == "ch 1"


def test_big_maps_are_averaged_down_before_colouring():
    maps = np.arange(2 * 224 * 224, dtype=np.float32).reshape(2, 224, 224)
    assert shrink(maps, 2).shape == (2, 112, 112)
    images = thumbnails(maps, [1], Ranges.of(maps), False, "viridis", thumb=88)
    assert images[0].shape == (112, 112, 3)


def test_tile_sizes_keep_pixels_square_when_enlarging():
    assert tile_size(14, 14, 88) == QSize(84, 84)       # 6× exactly
    assert tile_size(224, 224, 88) == QSize(88, 88)
    assert tile_size(10, 20, 88) == QSize(80, 40)


def test_filter_image_lays_slices_side_by_side_with_an_rgb_patch():
    kernel = np.zeros((3, 3, 3), np.float32)
    kernel[0] = 1.0  # red channel positive everywhere
    plain = filter_image(kernel, layer_scale(kernel))
    patch = filter_image(kernel, layer_scale(kernel), rgb_patch=True)
    assert patch.shape[1] > plain.shape[1]
    assert tuple(patch[0, 0]) == (255, 128, 128)  # the patch shows the red slice as red
    assert filter_title(2, np.array([0, 0, 0.5]), (0, 3)).endswith("sees input ch 0–3")
    assert filter_title(0, None, None) == "filter 0 · no bias"


def test_tile_grid_geometry_and_hit_testing(qtbot):
    grid = TileGrid()
    qtbot.addWidget(grid)
    grid.resize(400, 300)
    tiles = [Tile(np.zeros((10, 10, 3), np.uint8), f"ch {i}") for i in range(10)]
    grid.set_tiles(tiles, QSize(40, 40))
    cols = grid.columns()
    assert cols >= 2
    for i in (0, cols, 9):
        assert grid.index_at(grid.image_rect(i).center()) == i
    assert grid.heightForWidth(400) >= 2 * grid.cell_size().height()
    image = grid.render_image()
    assert image.width() > 40 and image.height() > 40


def test_an_all_zero_channel_is_drawn_in_the_colormaps_low_colour(qtbot):
    """A dead ReLU channel must look empty, not like a mid-range value (viridis' teal)."""
    from convstudio.qt.panels.map_view import MapView

    maps = np.stack([np.zeros((4, 4)), np.linspace(0, 1, 16).reshape(4, 4)]).astype(np.float32)
    ranges = Ranges.of(maps)
    dead = thumbnails(maps, [0], ranges, shared=False, cmap="viridis", thumb=None)[0]
    assert (dead == colormaps.lut("viridis")[0]).all()
    view = MapView()
    qtbot.addWidget(view)
    view.show_map("dead", maps[0], ranges.levels(0, shared=False), "viridis")
    lo, hi = view.image.levels if view.image.levels is not None else view.colorbar.levels()
    assert lo == 0.0 < hi  # the zeros sit at the low end of the colour bar
