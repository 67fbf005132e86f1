"""Feature maps of the selected layer: every output channel as a thumbnail, one of them large.

Thumbnails are coloured in NumPy and painted by one TileGrid, a page of 64 at a time, so
switching to a 512-channel layer stays well under 100 ms. Flat outputs (Dense, Softmax,
C×1×1) are bars instead: a 1×1 image per channel says nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...errors import ConvStudioError
from ...layers import fmt_shape
from ...wording import a
from ..jobs import start_job
from .. import style
from ..messages import guarded, notify
from . import colormaps, exports, file_dialogs
from .bars import BarChart, class_names_for
from .map_render import Ranges, channel_title, channel_tooltip, flat_values, is_flat, thumbnails
from .map_view import MapView
from .lazy import DrawsWhenShown
from .map_gradients import MapGradients
from .pager import Pager
from .run_controller import RunController
from .selection import has_filters, pick_node
from .tile_grid import GridScroll, Tile, TileGrid

PAGE = 64
NOTE_DELAY_S = 0.3  # "Running…" only for runs long enough to notice: no flicker after every edit
SIZES = {"Small": 56, "Medium": 88, "Large": 136}
DEFAULT_SIZE = "Medium"


def tile_size(h: int, w: int, thumb: int) -> QSize:
    """Display size of an h×w map in a `thumb` tile: whole-factor enlargement when it is ≥ 2 (crisp pixels)."""
    scale = thumb / max(h, w)
    if scale >= 2:
        scale = int(scale)
    return QSize(max(1, round(w * scale)), max(1, round(h * scale)))


def _combo(name: str, items, tip: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setToolTip(tip)
    for text, data, item_tip in items:
        box.addItem(text, data)
        if item_tip:
            box.setItemData(box.count() - 1, item_tip, Qt.ItemDataRole.ToolTipRole)
    return box


class FeatureMapsPanel(DrawsWhenShown, QWidget):
    pixel_clicked = Signal(str, int, int, int)  # node id, channel, row, col in the large view
    channel_selected = Signal(str, int)

    def __init__(self, controller: RunController, parent=None):
        super().__init__(parent)
        self.setObjectName("feature-maps-panel")
        self.controller = controller
        self.node_id: str | None = None
        self.channel = 0
        self.maps: np.ndarray | None = None
        self.ranges: Ranges | None = None
        self._split_sized = False
        self._dirty = False
        self._note_timer = QTimer(self, singleShot=True)
        self._note_timer.timeout.connect(self._update_note)
        self._large_keep_view = False
        self._large_timer = QTimer(self, singleShot=True, interval=0)
        self._large_timer.timeout.connect(self._deferred_large)
        self._build()
        controller.results_changed.connect(self.refresh)
        controller.status_changed.connect(self._update_note)
        controller.doc.changed.connect(self._on_doc_changed)
        self.show_selection([])

    # -- widgets --------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = QLabel()
        self.header.setObjectName("maps-header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setToolTip("The layer whose outputs are shown: select another layer on the canvas")
        self.note = QLabel()
        self.note.setObjectName("maps-note")
        self.note.setWordWrap(True)
        self.scaling = _combo("maps-normalization", [
            ("Per-channel colours", False, "Each map spans the whole colormap: shows the pattern inside every map"),
            ("Shared colours", True, "One scale for the whole layer: shows which channels respond strongly")],
            "How values become colours")
        self.cmap = _combo("maps-colormap", [(n, n, colormaps.DESCRIPTIONS[n]) for n in colormaps.MAP_NAMES],
                           "Colormap of the maps (low values at the left end of the scale)")
        self.size = _combo("maps-size", [(k, v, f"Thumbnails about {v} pixels across") for k, v in SIZES.items()],
                           "Thumbnail size")
        self.size.setCurrentText(DEFAULT_SIZE)
        self.pager = Pager("channels")
        self.export = QToolButton(text="Export", objectName="maps-export",
                                  popupMode=QToolButton.ToolButtonPopupMode.InstantPopup,
                                  toolTip="Save these maps as PNG, or every layer's outputs as .npz")
        menu = QMenu(self.export)
        menu.setToolTipsVisible(True)
        self.export_grid = menu.addAction("All maps of this layer as PNG…", self.export_grid_png)
        self.export_map = menu.addAction("The large map as PNG…", self.export_map_png)
        self.export_npz = menu.addAction("All layers' outputs as .npz…", self.export_activations)
        self.export.setMenu(menu)
        self.grid = TileGrid()
        self.grid.setToolTip("Every output channel of the layer; click one to see it large")
        self.scroll = GridScroll(self.grid)
        self.view = MapView()
        self.gradients = MapGradients(self.view, self)
        self.large = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        self.large.addWidget(self.view)
        self.large.addWidget(self.gradients.view)
        self.gradients.watch(self.large)
        self.bars = BarChart()
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True, objectName="maps-message")
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.scroll)
        self.split.addWidget(self.large)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.stack = QStackedWidget()
        for w in (self.message, self.split, self.bars):
            self.stack.addWidget(w)
        self._lay_out()
        self.scaling.currentIndexChanged.connect(lambda _i: self._redraw(keep_view=True))
        self.cmap.currentIndexChanged.connect(lambda _i: self._redraw(keep_view=True))
        self.size.currentIndexChanged.connect(lambda _i: self._render_page())
        self.pager.page_changed.connect(lambda _p: self._render_page())
        self.grid.tile_clicked.connect(lambda i: self.select_channel(self.pager.range().start + i))
        self.view.pixel_clicked.connect(self._on_pixel)
        self.gradients.redraw.connect(lambda: self._redraw(keep_view=True))

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        controls.setSpacing(6)
        for w in (self.scaling, self.cmap, self.size):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.pager)
        controls.addWidget(self.export)
        heading = QHBoxLayout()  # the gradient switch beside the title keeps the controls row narrow
        heading.addWidget(self.header, 1)
        heading.addWidget(self.gradients.toggle)
        top = QVBoxLayout(self)
        top.setContentsMargins(6, 4, 6, 4)
        top.setSpacing(4)
        top.addLayout(heading)
        top.addLayout(controls)
        top.addWidget(self.note)
        top.addWidget(self.stack, 1)

    def resizeEvent(self, event) -> None:
        """Grid and large view side by side in a wide dock, stacked in a tall one."""
        wide = self.width() > 1.25 * self.height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if orientation != self.split.orientation() or not self._split_sized:
            self.split.setOrientation(orientation)
            total = self.width() if wide else self.height()
            self.split.setSizes([total * 55 // 100, total * 45 // 100])
            self._split_sized = True
        super().resizeEvent(event)

    # -- following selection and results ------------------------------------------------------------
    @property
    def shared(self) -> bool:
        return bool(self.scaling.currentData())

    @property
    def colormap_name(self) -> str:
        return self.cmap.currentData()

    def show_selection(self, ids: list[str]) -> None:
        node = pick_node(list(ids), self.node_id, self.controller.doc.net, prefer=has_filters)
        if node != self.node_id:
            self.node_id, self.channel = node, 0
        self.refresh()

    def attach_gradients(self, source) -> None:
        """Offer "Show gradients", fed by `source` (a GradientSource)."""
        self.gradients.attach(source)

    def show_node(self, node_id: str) -> None:
        self.show_selection([node_id])

    def _on_doc_changed(self, change) -> None:
        if change.reset or (self.node_id is not None and self.node_id not in self.controller.doc.net):
            self.node_id = None
            self.show_selection([])

    @guarded
    def refresh(self, force: bool = False) -> None:
        """Rebuild from the controller's latest results; while hidden (another tab) only remember to."""
        self._dirty = not (force or self.on_screen())
        if self._dirty:
            return
        self.maps = self.ranges = None
        self._update_header()
        self._update_note()
        values = self._values()
        if values is None:
            return
        if is_flat(values):
            self.bars.show_values(flat_values(values), class_names_for(self.controller.doc.net, self.node_id))
            self.stack.setCurrentWidget(self.bars)
            self._map_controls(False)
        elif values.ndim == 3:
            self.maps, self.ranges = values, Ranges.of(values)
            self.channel = min(self.channel, values.shape[0] - 1)
            self.pager.set_count(values.shape[0], PAGE, self.pager.page_of(self.channel))
            self.stack.setCurrentWidget(self.split)
            self._map_controls(True)
            self._redraw()
        else:
            self._say(f"{self.node_id} gives {a(fmt_shape(values.shape))} output, which cannot be drawn.")
        self._update_exports()

    def _values(self) -> np.ndarray | None:
        results = self.controller.results
        if self.node_id is None:
            self._say("Select a layer on the canvas to see its outputs.")
        elif results is None:
            self._say(self.controller.error or ("Running…" if self.controller.busy else
                                                "Run the network (F5) to see its feature maps."))
        elif self.node_id not in results.activations:
            self._say(f"{self.node_id} was not part of the last run. Press F5 to run the network as it is now.")
        else:
            return results.activations[self.node_id]
        self._update_exports()
        return None

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self._map_controls(False)

    def _map_controls(self, visible: bool) -> None:
        for w in (self.scaling, self.cmap, self.size, self.pager, self.gradients.toggle):
            w.setVisible(visible)

    def _update_header(self) -> None:
        nid = self.node_id
        if nid is None or nid not in self.controller.doc.net:
            self.header.setText("<b>Feature maps</b>")
            return
        node = self.controller.doc.net.node(nid)
        results = self.controller.results
        values = results.activations.get(nid) if results else None
        shape = fmt_shape(values.shape if values is not None else self.controller.doc.report.nodes[nid].shape)
        what = ("the image as the network receives it" if node.decl.is_input else
                "one value per unit" if values is not None and is_flat(values) else
                "one map per output channel")
        self.header.setText(f"<b>{nid}</b> · {node.type} · output {shape} — {what}")

    def _update_note(self) -> None:
        c = self.controller
        if c.busy and c.busy_seconds() < NOTE_DELAY_S:
            self._note_timer.start(int(NOTE_DELAY_S * 1000))
        if c.busy and c.busy_seconds() >= NOTE_DELAY_S:
            text, colour = "Running… the maps below are from the previous run.", style.NOTE_TEXT
        elif c.pending:
            text, colour = self.note.text(), None  # about to change: keep what is shown
        elif c.error and c.results is not None:
            text, colour = f"{c.error.rstrip('.')}. The maps below are from the last run that worked.", style.BAD
        elif c.stale:
            text, colour = "Out of date: the network, image or weights changed since this run. Press F5.", style.WARNING_TEXT
        else:
            text, colour = "", ""
        if colour is None:
            return
        if not text and self.gradients.on and self.maps is not None:
            self._gradient_note()  # nothing to warn about: the line says what the gradient pictures are
            return
        self.note.setText(text)
        self.note.setStyleSheet(f"color: {colour};" if colour else "")
        self.note.setVisible(bool(text) and c.results is not None)

    # -- drawing --------------------------------------------------------------------------------------
    def _redraw(self, keep_view: bool = False) -> None:
        """Thumbnails now, the large view in the next turn of the event loop: two short steps
        instead of one long one, so the window never freezes when big results arrive."""
        if self.maps is None:
            return
        self._render_page()
        self._large_keep_view = keep_view
        self._large_timer.start()

    def _deferred_large(self) -> None:
        if self.maps is not None:
            self._show_large(self._large_keep_view)

    def _render_page(self) -> None:
        if self.maps is None:
            return
        chosen = self.pager.range()
        thumb = self.size.currentData()
        images = thumbnails(self.maps, chosen, self.ranges, self.shared, self.colormap_name, thumb)
        images = self.gradients.tiles(self.node_id, self.maps, chosen, images, thumb)
        _, h, w = self.maps.shape
        size = tile_size(h, w, thumb)
        if images and images[0].shape[1] > size.width():  # a gradient beside each map
            size = QSize(images[0].shape[1] * size.height() // images[0].shape[0], size.height())
        tiles = [Tile(img, channel_title(c, self.ranges), channel_tooltip(self.node_id, c, self.ranges, (h, w)))
                 for c, img in zip(chosen, images)]
        current = self.channel - chosen.start if self.channel in chosen else None
        self.grid.set_tiles(tiles, size, current)
        self._gradient_note()

    def _show_large(self, keep_view: bool = False) -> None:
        c, maps = self.channel, self.maps
        values = maps[c]
        title = (f"<b>{self.node_id}</b> · ch {c} of {maps.shape[0]} · {values.shape[0]}×{values.shape[1]} · "
                 f"min {values.min():.4g} · max {values.max():.4g} · mean {values.mean():.4g}")
        self.view.show_map(title, values, self.ranges.levels(c, self.shared), self.colormap_name, keep_view)
        self.gradients.show_large(self.node_id, maps, c, keep_view)

    def _gradient_note(self) -> None:
        """Under "Show gradients", the note line says what the second picture of each tile is."""
        if not self.gradients.on:
            self.grid.setToolTip("Every output channel of the layer; click one to see it large")
            self._update_note()
            return
        note = (self.gradients.title_note(self.node_id, self.maps) or self.gradients.source.status()
                or "No gradient reaches this layer.")
        self.grid.setToolTip(note)
        self.note.setText(note)
        self.note.setStyleSheet("")
        self.note.setVisible(True)

    def select_channel(self, channel: int) -> None:
        """Make `channel` the large one (turning the page if needed)."""
        if self.maps is None or not 0 <= channel < self.maps.shape[0]:
            return
        self.channel = channel
        page = self.pager.page_of(channel)
        if page != self.pager.page:
            self.pager.set_page(page)
        self.grid.set_current(channel - self.pager.range().start)
        self.scroll.ensure_tile_visible(channel - self.pager.range().start)
        self._show_large()
        self.channel_selected.emit(self.node_id, channel)

    def _on_pixel(self, row: int, col: int) -> None:
        if self.node_id is not None:
            self.pixel_clicked.emit(self.node_id, self.channel, row, col)

    # -- exports --------------------------------------------------------------------------------------
    def _update_exports(self) -> None:
        has_maps = self.maps is not None and self.stack.currentWidget() is self.split
        self.export_grid.setEnabled(has_maps)
        self.export_map.setEnabled(has_maps)
        self.export_npz.setEnabled(self.controller.results is not None)

    def _folder(self) -> str:
        path = self.controller.doc.path
        return str(Path(path).parent) if path else os.getcwd()

    @guarded
    def export_grid_png(self, path: str | None = None) -> str | None:
        """Every channel of the layer (not only this page) as one PNG, coloured as on screen."""
        if self.maps is None:
            return None
        path = path or file_dialogs.save_file(self, "Export feature maps", f"{self._folder()}/{self.node_id}-maps.png",
                                              file_dialogs.PNG)
        if not path:
            return None
        grid = TileGrid()
        grid.setFont(self.grid.font())
        everything = range(self.maps.shape[0])
        thumb = self.size.currentData()
        images = thumbnails(self.maps, everything, self.ranges, self.shared, self.colormap_name, thumb)
        _, h, w = self.maps.shape
        grid.set_tiles([Tile(img, channel_title(c, self.ranges)) for c, img in zip(everything, images)],
                       tile_size(h, w, thumb))
        exports.save_png(grid.render_image(), path)
        notify(f"Saved the {len(images)} maps of {self.node_id} to {Path(path).name}.")
        return path

    @guarded
    def export_map_png(self, path: str | None = None) -> str | None:
        if self.maps is None:
            return None
        suggestion = f"{self._folder()}/{self.node_id}-ch{self.channel}.png"
        path = path or file_dialogs.save_file(self, "Export map", suggestion, file_dialogs.PNG)
        if not path:
            return None
        image = exports.map_image(self.maps[self.channel], self.ranges.levels(self.channel, self.shared),
                                  self.colormap_name)
        exports.save_png(image, path)
        notify(f"Saved {self.node_id} channel {self.channel} to {Path(path).name}.")
        return path

    @guarded
    def export_activations(self, path: str | None = None) -> str | None:
        """Every layer's output of the last run, written in the background (VGG-16's are large)."""
        results = self.controller.results
        if results is None:
            raise ConvStudioError("nothing to export yet: run the network first (F5)")
        path = path or file_dialogs.save_file(self, "Export activations", f"{self._folder()}/activations.npz",
                                              file_dialogs.NPZ)
        if not path:
            return None
        acts = dict(results.activations)
        start_job(lambda _job: exports.write_activations(path, acts), on_finished=notify,
                  on_failed=lambda text: notify(text, "error"))
        return path
