"""Filters of the selected Conv2D layer: K filters, each drawn as one slice per input channel it sees.

Seeing conv1's 10 filters as 3 slices each, and conv2's as 10 slices each, answers "how deep is a
filter?" at a glance: as deep as its input (divided by groups), while K sets the output depth.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...layers import fmt_shape
from ...wording import a
from ..messages import guarded
from .feature_maps import _combo
from .filter_gradients import FilterGradients
from .filter_render import filter_image, filter_title, filter_tooltip, group_inputs, layer_scale
from .lazy import DrawsWhenShown
from .pager import Pager
from .run_controller import RunController
from .selection import has_filters, pick_node
from .tile_grid import GridScroll, Tile, TileGrid
from ...engine.weight_book import fits
from .weights_panel import WeightsBar

MAX_SLICES_PER_PAGE = 4096
MAX_FILTERS_PER_PAGE = 64
ZOOMS = {"×1": 1, "×2": 2, "×3": 3, "×4": 4}  # whole-factor enlargement of the drawn filters


def filters_per_page(depth: int) -> int:
    return max(1, min(MAX_FILTERS_PER_PAGE, MAX_SLICES_PER_PAGE // max(depth, 1)))


class FiltersPanel(DrawsWhenShown, QWidget):
    def __init__(self, controller: RunController, parent=None):
        super().__init__(parent)
        self.setObjectName("filters-panel")
        self.controller = controller
        self.node_id: str | None = None
        self.weight: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self._dirty = False
        self.header = QLabel(objectName="filters-header", textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.header.setToolTip("The Conv2D layer whose filters are shown: select another on the canvas")
        self.explain = QLabel(objectName="filters-explain", wordWrap=True)
        self.weights_bar = WeightsBar(controller)
        self.pager = Pager("filters")
        self.zoom = _combo("filters-zoom", [(k, v, f"Filters drawn {v} times as large") for k, v in ZOOMS.items()],
                           "Enlarge the filters: each weight's square grows by a whole factor")
        self.gradients = FilterGradients(self)
        self.grid = TileGrid()
        self.grid.setObjectName("filters-grid")
        self.scroll = GridScroll(self.grid)
        self.message = QLabel(objectName="filters-message", alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        heading = QHBoxLayout()
        heading.addWidget(self.header, 1)
        heading.addWidget(self.gradients.toggle, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.zoom, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.pager, 0, Qt.AlignmentFlag.AlignTop)
        top = QVBoxLayout(self)
        top.setContentsMargins(6, 4, 6, 4)
        top.setSpacing(4)
        top.addLayout(heading)
        top.addWidget(self.weights_bar)
        top.addWidget(self.explain)
        top.addWidget(self.scroll, 1)
        top.addWidget(self.message, 1)
        self.pager.page_changed.connect(lambda _p: self._render_page())
        self.zoom.currentIndexChanged.connect(lambda _i: self._render_page())
        self.gradients.redraw.connect(lambda: self.weight is not None and self._render_page())
        controller.weights_changed.connect(self.refresh)
        controller.busy_changed.connect(lambda _busy: self.weight is None and self.refresh())
        controller.doc.changed.connect(self._on_doc_changed)
        self.show_selection([])

    def show_selection(self, ids: list[str]) -> None:
        node = pick_node(list(ids), self.node_id, self.controller.doc.net, prefer=has_filters)
        if node != self.node_id:
            self.node_id = node
            self.pager.set_count(0, 1)
        self.refresh()

    def attach_gradients(self, source) -> None:
        """Offer "Show dL/dW", fed by `source` (a GradientSource)."""
        self.gradients.attach(source)

    def _on_doc_changed(self, change) -> None:
        if change.reset or (self.node_id is not None and self.node_id not in self.controller.doc.net):
            self.node_id = None
            self.show_selection([])
        elif change.structural:
            self.refresh()

    @guarded
    def refresh(self, force: bool = False) -> None:
        """Redraw for the shown layer; while the panel is hidden (another tab) only remember to."""
        net = self.controller.doc.net
        node = net.node(self.node_id) if self.node_id in net else None
        self.weights_bar.set_node(self.node_id, node.type if node else None)
        self._dirty = not (force or self.on_screen())
        if self._dirty:
            return
        self.weight = self.bias = None
        if node is None:
            return self._say("<b>Filters</b>", "Select a Conv2D layer on the canvas to see its filters.")
        rep = self.controller.doc.report.nodes[node.id]
        if not node.decl.has_filters:
            return self._say(f"<b>{node.id}</b> · {node.type}", self._not_conv(node, rep))
        if not rep.ok:
            return self._say(f"<b>{node.id}</b> · Conv2D", "Its input shape is unknown (see the problems in the "
                             "status bar), so its filters cannot be drawn.")
        arrays = self.controller.weights.get(node.id)
        shapes = {"weight": (node.params["filters"], rep.input_shapes[0][0] // node.params["groups"],
                             *node.params["kernel_size"])}
        if node.params["bias"]:
            shapes["bias"] = (node.params["filters"],)
        if not fits(arrays, shapes):
            return self._say(self._title(node, shapes["weight"]), "Preparing weights…" if self.controller.working else
                             "No weights for this layer yet (the run was cancelled): press F5.")
        self.weight, self.bias = arrays["weight"], arrays.get("bias")
        self.header.setText(self._title(node, self.weight.shape))
        self.explain.setText(self._explanation(node, rep))
        k, depth = self.weight.shape[:2]
        self.pager.set_count(k, filters_per_page(depth), self.pager.page)
        self.message.hide()
        self.scroll.show()
        self.pager.show()
        self.zoom.show()
        self._render_page()

    def _say(self, header: str, text: str) -> None:
        self.header.setText(header)
        self.explain.setText("")
        self.message.setText(text)
        self.scroll.hide()
        self.pager.hide()
        self.zoom.hide()
        self.message.show()

    def _title(self, node, shape) -> str:
        k, depth, kh, kw = shape
        origin = self.controller.book.origin(node.id)
        return (f"<b>{node.id}</b> · Conv2D · <b>{k}</b> filter{'s' * (k != 1)}, each {depth}×{kh}×{kw} "
                f"(one {kh}×{kw} slice per input channel it sees) · {origin}")

    def _explanation(self, node, rep) -> str:
        c_in = rep.input_shapes[0][0]
        k, depth = self.weight.shape[:2]
        groups = node.params["groups"]
        text = (f"Input {fmt_shape(rep.input_shapes[0])} → output {fmt_shape(rep.shape)}: each filter is as deep "
                f"as the {depth} input channel{'s' * (depth != 1)} it sees, and the {k} filters make the {k} output "
                "channels. Blue is negative, white 0, red positive.")
        if groups > 1:
            text += f" groups={groups}: the {c_in} input channels are split in {groups}; each filter sees one part."
        if self._rgb_patch(node):
            text += " The patch before each filter shows its R, G, B slices together as one colour."
        return text

    def _not_conv(self, node, rep) -> str:
        if node.decl.fully_connected and rep.ok:
            units, inputs = rep.shape[0], rep.input_shapes[0]
            return (f"A Dense layer has no sliding filters: each of its {units} units weighs all "
                    f"{math.prod(inputs)} inputs ({fmt_shape(inputs)}) at once, like one filter as large as its "
                    "whole input. Select a Conv2D layer to see filters.")
        return f"{node.id} is {a(node.type)} layer: it has no filters. Select a Conv2D layer to see filters."

    def _rgb_patch(self, node) -> bool:
        net = self.controller.doc.net
        src = net.node(node.inputs[0]) if node.inputs and node.inputs[0] in net else None
        return (src is not None and src.decl.is_input and src.params["channels"] == 3
                and node.params["groups"] == 1)

    def _render_page(self) -> None:
        if self.weight is None:
            return
        node = self.controller.doc.net.node(self.node_id)
        k_total, depth = self.weight.shape[:2]
        groups = node.params["groups"]
        scale = layer_scale(self.weight)
        patch = self._rgb_patch(node)
        tiles = []
        ks = self.pager.range()
        images = self.gradients.images(self.node_id, self.weight, ks, [filter_image(self.weight[k], scale,
                                                                                    rgb_patch=patch) for k in ks])
        for k, image in zip(ks, images):
            seen = group_inputs(k, k_total, depth, groups)
            tiles.append(Tile(image, filter_title(k, self.bias, seen if groups > 1 else None),
                              filter_tooltip(k, self.weight[k], self.bias, seen)))
        zoom = self.zoom.currentData()
        size = QSize(tiles[0].image.shape[1] * zoom, tiles[0].image.shape[0] * zoom) if tiles else QSize(1, 1)
        self.grid.set_tiles(tiles, size)
        note = self.gradients.note(self.node_id, self.weight)
        self.explain.setText(note or self._explanation(node, self.controller.doc.report.nodes[node.id]))
