"""Inspection panels: the input image, every layer's feature maps, the conv filters and their weights.

`install_inspection(window)` is the one entry point: it docks the panels in a MainWindow, adds
the Run menu and the status-bar progress, and follows the window's document and selection.
Call it at the end of MainWindow.__init__ (after the saved layout is restored, so the panels'
docks go back where the user left them).

Weights travel with the network file: the document's `weights_saver(json_path)` (set here to
`RunController.save_weights_beside`) writes "<stem>.weights.npz" beside the JSON and returns
that relative name (or None when the weights are the seed-0 ones a plain open recreates); the
document stores it in `network.weights` before writing the JSON. On open, the controller reads
the file the network names, relative to the document's path, by itself.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget

from .feature_maps import FeatureMapsPanel
from .filters import FiltersPanel
from .gradient_source import GradientSource
from .input_panel import InputPanel
from .run_controller import RunController
from .run_menu import RunActions, install_run_menu
from .run_status import RunStatus

__all__ = ["InspectionPanels", "RunController", "install_inspection"]

BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


@dataclass
class InspectionPanels:
    controller: RunController
    input_panel: InputPanel
    feature_maps: FeatureMapsPanel      # .pixel_clicked(node_id, channel, row, col)
    filters: FiltersPanel
    actions: RunActions
    run_status: RunStatus
    docks: dict[str, QDockWidget]
    gradients: GradientSource | None = None  # dL/d(outputs) and dL/dW of the image shown, on demand


def window_document(window):
    """The window's Document (MainWindow calls it `doc`)."""
    doc = getattr(window, "doc", None)
    return doc if doc is not None else window.document


def _remembered(window, object_name: str) -> bool:
    """True when the window's saved layout already places this dock (the user's choice wins)."""
    settings = getattr(window, "settings", None)
    state = settings.value("window/state") if settings is not None else None
    try:
        return object_name.encode("utf-16-be") in bytes(state)
    except TypeError:
        return False


def _dock(window, panels: dict) -> dict[str, QDockWidget]:
    """Dock the panels as tabs; the first time, beside the Summary so they get the window's full width."""
    fresh = not any(_remembered(window, name) for _title, _w, name in panels.values())
    compact = getattr(window, "compact_layout", False)  # a short screen: beside the inspector, not below
    area = RIGHT if compact else BOTTOM
    docks = {key: window.add_panel_dock(title, widget, area, name) for key, (title, widget, name) in panels.items()}
    beside = getattr(window, "inspector_dock" if compact else "summary_dock", None)
    if fresh and beside is not None and compact:  # under the inspector, so the maps show from the start
        first, *rest = docks.values()
        window.removeDockWidget(first)  # out of the inspector's tabs, into a row of its own below them
        window.addDockWidget(RIGHT, first, Qt.Orientation.Vertical)
        first.show()
        for dock in rest:
            window.tabifyDockWidget(first, dock)
        window.resizeDocks([beside, first], [45, 55], Qt.Orientation.Vertical)
    elif fresh and beside is not None:
        for dock in docks.values():
            window.tabifyDockWidget(beside, dock)
        if not compact:
            # tall enough for the maps, short enough that the canvas keeps ~5 rows of cards readable
            height = window.height()
            window.resizeDocks([beside], [max(230, min(int(height * 0.42), height - 620))], Qt.Orientation.Vertical)
    for key in ("feature_maps", "filters"):  # they draw only when in front, so catch up when brought there
        panel = docks[key].widget()
        docks[key].visibilityChanged.connect(
            lambda shown, p=panel: shown and QTimer.singleShot(0, p, p.refresh_if_dirty))
    docks["feature_maps"].raise_()
    maps = docks["feature_maps"].widget()
    QTimer.singleShot(0, maps, maps.refresh_if_dirty)  # it was built before its dock was on screen
    return docks


INSTALLED = "_convstudio_inspection_panels"


def install_inspection(window) -> InspectionPanels:
    """Create the panels in `window` (a MainWindow), connect them, and start the first run.

    Calling it again on the same window returns the panels already installed.
    """
    existing = getattr(window, INSTALLED, None)
    if existing is not None:
        return existing
    doc = window_document(window)
    controller = RunController(doc, getattr(window, "settings", None), parent=window)
    actions = install_run_menu(window, controller)
    maps = FeatureMapsPanel(controller)
    filters = FiltersPanel(controller)
    inputs = InputPanel(controller, actions.run)
    docks = _dock(window, {"feature_maps": ("Feature maps", maps, "panel-feature-maps"),
                           "filters": ("Filters", filters, "panel-filters"),
                           "input": ("Input image", inputs, "panel-input-image")})
    status = RunStatus(controller)
    window.statusBar().addPermanentWidget(status)
    window.selection_changed.connect(maps.show_selection)
    window.selection_changed.connect(filters.show_selection)
    selected = window.selected_ids() if hasattr(window, "selected_ids") else []
    maps.show_selection(selected)
    filters.show_selection(selected)
    controller.watch_close(window)
    doc.weights_saver = controller.save_weights_beside  # for Document.save: see the module docstring
    gradients = GradientSource(controller, parent=window)
    maps.attach_gradients(gradients)
    filters.attach_gradients(gradients)
    panels = InspectionPanels(controller, inputs, maps, filters, actions, status, docks, gradients)
    from ..testing.panels_probe import maybe_install
    maybe_install(panels, window)
    setattr(window, INSTALLED, panels)
    controller.start()
    return panels
