"""Test-only hook: with CONVSTUDIO_TEST_GEOMETRY=path set, the window keeps a JSON file of where
its key widgets and canvas cards are on screen, so an end-to-end test driving the real
mouse (xdotool) can find them. Without the variable nothing is installed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QRect, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMenu, QMessageBox, QToolTip, QWidget

ENV = "CONVSTUDIO_TEST_GEOMETRY"


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _widget_rect(w: QWidget) -> list[int]:
    top_left = w.mapToGlobal(QPoint(0, 0))
    return [top_left.x(), top_left.y(), w.width(), w.height()]


def _menu_rects(owner) -> dict[str, list[int]]:
    """Screen rectangles of a menu bar's or an open menu's entries, by their text without '&'."""
    rects = {}
    for action in owner.actions():
        r = owner.actionGeometry(action)
        if action.text() and action.isVisible() and r.isValid():
            rects[action.text().replace("&", "")] = _rect(QRect(owner.mapToGlobal(r.topLeft()), r.size()))
    return rects


def _open_menu() -> dict[str, list[int]]:
    popup = QApplication.activePopupWidget()
    return _menu_rects(popup) if isinstance(popup, QMenu) else {}


def _dialog() -> dict:
    """The open modal dialog's title, text and buttons (screen rectangles by text), or {}."""
    dialog = QApplication.activeModalWidget()
    if dialog is None or not dialog.isVisible():
        return {}
    buttons = {b.text().replace("&", ""): _widget_rect(b) for b in dialog.findChildren(QAbstractButton)
               if b.isVisible()}
    text = dialog.text() if isinstance(dialog, QMessageBox) else ""
    return {"title": dialog.windowTitle(), "text": text, "buttons": buttons}


class GeometryProbe(QObject):
    def __init__(self, window, path: str):
        super().__init__(window)
        self.window, self.path, self._last = window, Path(path), ""
        self.timer = QTimer(self, interval=200)
        self.timer.timeout.connect(self.write)
        self.timer.start()

    def snapshot(self) -> dict:
        w = self.window
        view = w.view
        tree = w.palette.tree
        palette = {}
        for name, item in w.palette.items.items():
            r = tree.visualItemRect(item)
            if not item.isHidden() and r.isValid():
                palette[name] = _rect(QRect(tree.viewport().mapToGlobal(r.topLeft()), r.size()))
        nodes = {}
        for nid, item in w.scene.nodes.items():
            poly = view.mapFromScene(item.sceneBoundingRect())
            box = poly.boundingRect()
            to_screen = lambda p: view.viewport().mapToGlobal(view.mapFromScene(p))  # noqa: E731
            out = to_screen(item.output_anchor())
            inp = to_screen(item.input_anchor(0, 1))
            nodes[nid] = {"rect": _rect(QRect(view.viewport().mapToGlobal(box.topLeft()), box.size())),
                          "in": [inp.x(), inp.y()], "out": [out.x(), out.y()]}
        edges = {}
        for (src, dst, slot), edge in w.scene.edges.items():
            c = view.viewport().mapToGlobal(view.mapFromScene(edge.label_rect.center()))
            edges[f"{src}>{dst}:{slot}"] = [c.x(), c.y()]
        inspector = {child.objectName(): _widget_rect(child)
                     for child in w.inspector.findChildren(QWidget)
                     if child.objectName().startswith(("param-", "inspector-")) and child.isVisible()}
        return {"window": _widget_rect(w), "canvas": _widget_rect(view.viewport()), "palette": palette,
                "menubar": _menu_rects(w.menuBar()), "menu": _open_menu(),
                "nodes": nodes, "edges": edges, "inspector": inspector,
                "selected": w.scene.selected_ids(),
                "selected_edges": [f"{a}>{b}:{k}" for a, b, k in w.scene.selected_edges()],
                "zoom": round(view.zoom(), 4), "title": w.windowTitle(), "modified": w.doc.modified,
                "path": str(w.doc.path) if w.doc.path else None, "undo": w.doc.stack.undoText(),
                "status": w.status.currentMessage(),
                "tooltip": QToolTip.text() if QToolTip.isVisible() else "", "dialog": _dialog()}

    def write(self) -> None:
        if not self.window.isVisible():
            return
        text = json.dumps(self.snapshot(), indent=1, sort_keys=True)
        if text != self._last:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(text)
            os.replace(tmp, self.path)
            self._last = text


def maybe_install(window) -> GeometryProbe | None:
    path = os.environ.get(ENV)
    return GeometryProbe(window, path) if path else None
