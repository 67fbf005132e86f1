"""Drag-and-drop and clipboard formats of the app."""
from __future__ import annotations

from PySide6.QtCore import QMimeData

LAYER_MIME = "application/x-convstudio-layer-type"    # a layer type name dragged from the palette
FRAGMENT_MIME = "application/x-convstudio-fragment"   # copied layers as a JSON fragment


def layer_mime(type_name: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


def json_paths(mime: QMimeData) -> list[str]:
    """Local .json files among dropped URLs."""
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(".json")]
