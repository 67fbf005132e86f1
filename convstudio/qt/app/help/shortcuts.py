"""Help ▸ Keyboard Shortcuts: a table read from the window's own actions when it opens, so it cannot go stale."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView, QMainWindow, QMenu, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

NATIVE = QKeySequence.SequenceFormat.NativeText


def _label(act: QAction) -> str:
    return act.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(act: QAction) -> str:
    return ", ".join(k.toString(NATIVE) for k in act.shortcuts() if not k.isEmpty())


def _menu_actions(menu: QMenu, path: str):
    for act in menu.actions():
        if act.menu() is not None:
            yield from _menu_actions(act.menu(), f"{path} ▸ {_label(act)}")
        elif not act.isSeparator():
            yield path, act


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every action of the window that has a shortcut, in menu order;
    actions with a shortcut but in no menu (canvas-only keys) come last under "Window"."""
    rows, seen = [], set()
    for top in window.menuBar().actions():
        if top.menu() is None:
            continue
        for path, act in _menu_actions(top.menu(), _label(top)):
            if _keys(act) and id(act) not in seen:
                seen.add(id(act))
                rows.append((path, _label(act), _keys(act)))
    for act in window.findChildren(QAction):
        if _keys(act) and id(act) not in seen:
            seen.add(id(act))
            rows.append(("Window", _label(act), _keys(act)))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.setObjectName("keyboard-shortcuts")
        self.setWindowTitle("Keyboard Shortcuts — ConvStudio")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Shortcut"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(560, 620)
