"""Test-only hook: with CONVSTUDIO_TEST_PANELS=path set, the panels keep a small JSON file of what
they show (and where the thumbnails are on screen), so an end-to-end test driving the real mouse
can check them. Without the variable nothing is installed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QRectF, QTimer

ENV = "CONVSTUDIO_TEST_PANELS"


class PanelsProbe(QObject):
    def __init__(self, panels, path: str, parent):
        super().__init__(parent)
        self.panels, self.path, self._last = panels, Path(path), ""
        self.clicks: list[list] = []
        panels.feature_maps.pixel_clicked.connect(lambda *args: self.clicks.append(list(args)))
        self.timer = QTimer(self, interval=200)
        self.timer.timeout.connect(self.write)
        self.timer.start()

    def snapshot(self) -> dict:
        maps = self.panels.feature_maps
        grid = maps.grid
        tiles = []
        for i in range(len(grid.tiles)):
            r = grid.image_rect(i)
            top_left = grid.mapToGlobal(r.topLeft())
            tiles.append([top_left.x(), top_left.y(), r.width(), r.height()])
        view = maps.view.picture
        corner = view.mapToGlobal(QPoint(0, 0))
        image = []
        if maps.view.values is not None:
            h, w = maps.view.values.shape
            box = view.mapFromScene(maps.view.plot.vb.mapViewToScene(QRectF(0, 0, w, h))).boundingRect()
            top_left = view.viewport().mapToGlobal(box.topLeft())
            image = [top_left.x(), top_left.y(), box.width(), box.height()]
        return {"node": maps.node_id, "channels": None if maps.maps is None else int(maps.maps.shape[0]),
                "channel": maps.channel, "titles": [t.title for t in grid.tiles],
                "tiles": tiles if grid.isVisible() else [], "large_title": maps.view.title.text(),
                "large_view": [corner.x(), corner.y(), view.width(), view.height()], "large_image": image,
                "large_shape": [] if maps.view.values is None else list(maps.view.values.shape),
                "busy": self.panels.controller.busy, "has_results": self.panels.controller.results is not None,
                "pixel_clicks": self.clicks}

    def write(self) -> None:
        text = json.dumps(self.snapshot(), sort_keys=True)
        if text != self._last:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(text)
            os.replace(tmp, self.path)
            self._last = text


def maybe_install(panels, window) -> PanelsProbe | None:
    path = os.environ.get(ENV)
    return PanelsProbe(panels, path, window) if path else None
