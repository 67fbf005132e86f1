"""The Run menu: Run (F5), Cancel Run, Run Automatically After Each Edit."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from ..messages import guarded
from .run_controller import RunController


@dataclass
class RunActions:
    menu: QMenu
    run: QAction
    cancel: QAction
    auto: QAction


def _find_menu(window: QMainWindow, title: str) -> QMenu | None:
    for act in window.menuBar().actions():
        if act.menu() is not None and act.text().replace("&", "").strip().lower() == title.lower():
            return act.menu()
    return None


def run_menu(window: QMainWindow) -> QMenu:
    """The window's Run menu, made (before Help) if it has none yet."""
    menu = _find_menu(window, "Run")
    if menu is not None:
        return menu
    menu = QMenu("&Run", window)
    menu.setObjectName("menu-run")
    help_menu = _find_menu(window, "Help")
    if help_menu is not None:
        window.menuBar().insertMenu(help_menu.menuAction(), menu)
    else:
        window.menuBar().addMenu(menu)
    return menu


def install_run_menu(window: QMainWindow, controller: RunController) -> RunActions:
    menu = run_menu(window)
    run = QAction("&Run Network", window, objectName="action-run", shortcut=QKeySequence("F5"),
                  toolTip="Run the network on the image now (F5)",
                  statusTip="Run the network on the image and show every layer's outputs")
    run.triggered.connect(guarded(lambda _checked=False: controller.run()))
    cancel = QAction("&Cancel Run", window, objectName="action-cancel-run", shortcut=QKeySequence("Shift+F5"),
                     enabled=False, toolTip="Stop the run in progress (Shift+F5)",
                     statusTip="Stop the run in progress; the panels keep the previous results")
    cancel.triggered.connect(lambda _checked=False: controller.cancel())
    auto = QAction("Run &Automatically After Each Edit", window, objectName="action-auto-run", checkable=True,
                   checked=controller.auto_run,
                   toolTip="Re-run after every change (networks under 2 G MACs only)",
                   statusTip="Re-run after every change to the network, image or weights "
                             "(networks under 2 G MACs only; larger ones run with F5)")
    auto.toggled.connect(controller.set_auto_run)
    controller.auto_run_changed.connect(auto.setChecked)
    controller.busy_changed.connect(cancel.setEnabled)
    for act in (run, cancel):
        menu.addAction(act)
        window.addAction(act)  # shortcuts work with the menu bar hidden
    menu.addSeparator()
    menu.addAction(auto)
    return RunActions(menu, run, cancel, auto)
