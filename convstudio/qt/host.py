"""The one object the panels, explain views and training are given: the window, as they may use it.

MainWindow is the host. Besides what is listed here they use it as the QMainWindow it is: they dock
and tabify their panels and add to its status bar and menu bar. The install functions fill
`inspection`, `explain` and `training` (None until then, and in a window made without panels).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings, Qt, SignalInstance
    from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

    from .document.document import Document
    from .explain import ExplainTools
    from .panels import InspectionPanels
    from .training import TrainTools


class Host(Protocol):
    doc: Document                        # the open network, its weights and undo stack
    settings: QSettings
    menus: dict[str, QMenu]              # "edit", "run", "tools", "help", … (see app/actions.py)
    selection_changed: SignalInstance    # the selected layer ids, in network order
    compact_layout: bool                 # a short screen: run panels beside the inspector, not below
    inspector_dock: QDockWidget
    summary_dock: QDockWidget
    inspection: InspectionPanels | None  # the run controller and the panels that show its runs
    explain: ExplainTools | None
    training: TrainTools | None

    def selected_ids(self) -> list[str]: ...

    def add_panel_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea = ...,
                       object_name: str | None = None) -> QDockWidget: ...

    def placed_before(self, object_name: str) -> bool:
        """True when the saved window layout already places this dock (the user's choice wins)."""
        ...
