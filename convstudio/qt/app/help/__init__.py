"""The Help menu's readers: the guided tour, the keyboard shortcuts and the glossary."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMainWindow, QMenu

from ..actions import action
from ...messages import guarded
from .glossary import GlossaryDialog
from .shortcuts import ShortcutsDialog
from .tour import TourWindow


class HelpWindows:
    """Opens each reader once and brings it back to the front when asked again (they are not modal)."""

    def __init__(self, window: QMainWindow):
        self.window = window
        self.open: dict[str, QDialog] = {}

    def _show(self, key: str, make) -> QDialog:
        dialog = self.open.get(key)
        if dialog is None:
            dialog = self.open[key] = make()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    @guarded
    def tour(self) -> QDialog:
        return self._show("tour", lambda: TourWindow(self.window))

    def shortcuts(self) -> QDialog:
        self.open.pop("shortcuts", None)  # rebuilt each time: it reads the actions as they are now
        return self._show("shortcuts", lambda: ShortcutsDialog(self.window))

    def glossary(self) -> QDialog:
        return self._show("glossary", lambda: GlossaryDialog(self.window))


def fill_help_menu(window: QMainWindow, menu: QMenu, helpers: HelpWindows) -> None:
    about = menu.actions()
    entries = [
        action(window, "&Guided Tour", helpers.tour, ["F1"], "Read the guided tour: how convolution works, in the app"),
        action(window, "&Keyboard Shortcuts", helpers.shortcuts, (), "Every shortcut of the window"),
        action(window, "G&lossary", helpers.glossary, (), "K, F, P, S, D, receptive field, epoch, loss, …"),
    ]
    for act in entries:
        menu.insertAction(about[0] if about else None, act)
    if about:
        menu.insertSeparator(about[0])
    menu.setToolTipsVisible(True)
