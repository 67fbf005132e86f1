"""The feature-maps panel's "Show gradients": each map's dL/dy beside it, and the large map's below it.

dL/dy says how the loss of the target class would change if that output value grew: red
means growing it raises the loss, blue lowers it, white does not matter. It comes from the
GradientSource (a `gradients()` pass in the background), never from the GUI thread.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Qt

from . import colormaps
from .gradient_source import GradientSwitch
from .gradient_tiles import gradient_thumbnails, side_by_side, symmetric_limit
from .map_view import MapView

TIP = ("Show dL/d(output) beside each map: how the loss of the target class changes when that value grows "
       "(red: the loss rises, blue: it falls, white: no effect). Target class: the Backprop tab.")


class MapGradients(GradientSwitch):
    def __init__(self, main_view: MapView, parent=None):
        super().__init__("feature-maps", "Show gradients", "maps-gradients", TIP, parent)
        self.main_view = main_view  # the large feature map: its histogram gives way to the gradient
        self.view = MapView()
        self.view.setObjectName("maps-gradient-view")
        self.view.hist.hide()  # the map and its colour bar say enough; the room goes to the picture
        self.view.hide()

    def switched(self, on: bool) -> None:
        self.view.setVisible(on)
        self.main_view.hist.setVisible(not on)

    def watch(self, large) -> None:
        """Follow the size of the splitter holding the large map and its gradient."""
        self.large = large
        large.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is getattr(self, "large", None) and event.type() == QEvent.Type.Resize:
            self.fit(obj)
        return False

    def fit(self, large) -> None:
        """The large map and its gradient side by side in a wide area, one above the other in a tall one."""
        wide = large.width() > large.height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if large.orientation() != orientation:
            large.setOrientation(orientation)
            extent = large.width() if wide else large.height()
            large.setSizes([extent // 2, extent - extent // 2])
            for view in (self.main_view, self.view):
                view.plot.autoRange(padding=0.02)

    def maps(self, node_id: str | None, shape) -> np.ndarray | None:
        """dL/dy of `node_id` (C, H, W) when shown and in step with the maps, else None."""
        run = self.source.current() if self.on else None
        if run is None or node_id not in run.grads.outputs:
            return None
        g = run.grads.outputs[node_id][0]
        return g if g.shape == tuple(shape) else None

    def tiles(self, node_id, maps: np.ndarray, chosen: range, images: list, thumb: int) -> list[np.ndarray]:
        """The page's map images, each with its gradient beside it when gradients are shown."""
        g = self.maps(node_id, maps.shape)
        if g is None:
            return images
        return [side_by_side(a, b) for a, b in zip(images, gradient_thumbnails(g, chosen, thumb))]

    def title_note(self, node_id, maps: np.ndarray) -> str:
        g = self.maps(node_id, maps.shape)
        if g is None:
            return ""
        run = self.source.current()
        label = class_name(run.net, run.target)
        return (f"Each tile: the map, then dL/dy for class {label} (loss {run.grads.loss:.4g}); "
                f"blue − · white 0 · red +, one scale ±{symmetric_limit(g):.3g} for the layer.")

    def show_large(self, node_id, maps: np.ndarray, channel: int, keep_view: bool) -> None:
        g = self.maps(node_id, maps.shape)
        if g is None:
            text = (self.source.status() or "No gradient reaches this layer.") if self.on else ""
            self.view.clear(text)
            return
        m = symmetric_limit(g)
        v = g[channel]
        shown = self.view.values
        keep_view = keep_view and shown is not None and shown.shape == v.shape  # a first picture is framed
        self.view.show_map(f"<b>dL/dy</b> · ch {channel} · min {v.min():.3g} · max {v.max():.3g} "
                           f"(colour scale ±{m:.3g}, 0 = white)", v, (-m, m), colormaps.DIVERGING, keep_view)


def class_name(net, index: int) -> str:
    labels = list(net.labels)
    return f"“{labels[index]}”" if 0 <= index < len(labels) else str(index)
