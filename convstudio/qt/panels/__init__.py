"""Inspection panels: the input image, every layer's feature maps, the conv filters and their weights.

`install_inspection(window)` is the one entry point: it docks the panels in the window (the
`Host`, a MainWindow), sets `window.inspection`, adds the Run menu and the status-bar progress, and follows the window's document and selection.
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

from ..host import Host
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


def _dock(window: Host, panels: dict) -> dict[str, QDockWidget]:
    """Dock the panels as tabs; the first time, beside the Summary so they get the window's full width."""
    fresh = not any(window.placed_before(name) for _title, _w, name in panels.values())
    compact = window.compact_layout
    area = RIGHT if compact else BOTTOM
    docks = {key: window.add_panel_dock(title, widget, area, name) for key, (title, widget, name) in panels.items()}
    beside = window.inspector_dock if compact else window.summary_dock
    if fresh and compact:  # under the inspector, so the maps show from the start
        first, *rest = docks.values()
        window.removeDockWidget(first)  # out of the inspector's tabs, into a row of its own below them
        window.addDockWidget(RIGHT, first, Qt.Orientation.Vertical)
        first.show()
        for dock in rest:
            window.tabifyDockWidget(first, dock)
        window.resizeDocks([beside, first], [45, 55], Qt.Orientation.Vertical)
    elif fresh:
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


def install_inspection(window: Host) -> InspectionPanels:
    """Create the panels in `window`, connect them, and start the first run.

    Calling it again on the same window returns the panels already installed.
    """
    if window.inspection is not None:
        return window.inspection
    doc = window.doc
    controller = RunController(doc, window.settings, parent=window)
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
    selected = window.selected_ids()
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
    window.inspection = panels
    controller.start()
    return panels
