"""Training in the window: Run ▸ Train… (Ctrl+T) opens the Train dock.

`install_training(window)` (the `Host`) adds the action and sets `window.training`; the dock, its `TrainSession` and its charts are
made the first time it is opened. The session trains a private copy of the network in a
background job and gives the document the trained weights (see `session`).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget
from shiboken6 import isValid

from ..host import Host
from ..panels.run_menu import run_menu
from .dock import TrainPanel
from .session import TrainSession

__all__ = ["TrainTools", "install_training"]

@dataclass
class TrainTools:
    window: Host
    action: QAction
    session: TrainSession
    panel: TrainPanel | None = None
    dock: QDockWidget | None = None
    revert: QAction | None = None

    def open(self) -> TrainPanel:
        """Show the Train dock (made on first use) in front, and load the chosen dataset."""
        if self.dock is None:
            self.panel = TrainPanel(self.session)
            self.dock = self.window.add_panel_dock("Train", self.panel, Qt.DockWidgetArea.RightDockWidgetArea,
                                                   "panel-train")
        self.dock.show()
        self.dock.raise_()
        self.session.load_data()
        return self.panel


def _revert_action(window: Host, session: TrainSession) -> QAction:
    """Edit ▸ Revert Weights: the weights from before the last training (that training's undo step)."""
    act = QAction("Re&vert Weights", window, objectName="action-revert-weights", enabled=False,
                  toolTip="Bring back the weights and class names from before the last training",
                  statusTip="Undo the last training: the network gets back the weights it had before")
    act.triggered.connect(lambda _checked=False: session.revert())
    stack = window.doc.stack

    def update(*_args) -> None:
        if isValid(stack) and isValid(act):  # not while the window is being torn down
            act.setEnabled(session.can_revert())
    stack.indexChanged.connect(update)
    session.ended.connect(update)
    edit = window.menus["edit"]
    after_redo = edit.actions()[2] if len(edit.actions()) > 2 else None
    edit.insertAction(after_redo, act)
    return act


def install_training(window: Host) -> TrainTools:
    """Add Run ▸ Train… to `window`; once per window."""
    if window.training is not None:
        return window.training
    panels = window.inspection
    busy = (lambda: panels.controller.working) if panels is not None else (lambda: False)
    session = TrainSession(window.doc, window, busy)
    action = QAction("&Train…", window, objectName="action-train", shortcut=QKeySequence("Ctrl+T"),
                     toolTip="Train the network on a dataset and watch it learn (Ctrl+T)",
                     statusTip="Open the Train dock: choose a dataset, start training, watch loss, accuracy, "
                               "gradients and filters change")
    tools = TrainTools(window, action, session)
    action.triggered.connect(lambda _checked=False: tools.open())
    menu = run_menu(window)
    menu.addSeparator()
    menu.addAction(action)
    window.addAction(action)
    tools.revert = _revert_action(window, session)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(session.shutdown)
    session.watch_close(window)
    window.training = tools
    return tools
