"""Puts the "Convolution explained" views into the main window: docks, menus and connections.

One call, `install_explain(window)`, after `install_inspection(window)`: the views that need a
forward pass follow the panels' run controller, and a pixel picked in the feature maps is taken
apart here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from ..host import Host
from ..messages import guarded
from ..panels import InspectionPanels
from .backprop.backprop_view import BackpropView
from .one_value.breakdown_view import BreakdownView
from .controls import FitScroll
from .fc.conversion_check import OutputCheck
from .fc.fc_to_conv_action import make_convert_action
from .fc.fc_view import FcView
from .scores.fcn_view import FcnView
from .run_source import ControllerSource, RunSource
from .sharing.sharing_view import SharingView
from .window.window_view import WindowView

Area = Qt.DockWidgetArea
TITLES = {  # view key → dock title, menu text
    "window": ("Window", "&Sliding Window (F, S, P, D)"),
    "breakdown": ("One Value", "&One Output Value (N inputs × M outputs)"),
    "sharing": ("Sharing", "&Parameter Sharing"),
    "fc": ("FC → Conv", "&Dense Layers as Convolutions, Why 4096 and 1000"),
    "fcn": ("Scores", "&Class Scores (Fully Convolutional)"),
    "backprop": ("Backprop", "&Backpropagation (Where the Gradient Goes)"),
}


@dataclass
class ExplainTools:
    """What `install_explain` added, for tests and for whoever wants to drive the views."""

    source: RunSource
    views: dict[str, QWidget]
    docks: dict[str, QDockWidget]
    convert_action: QAction
    menus: dict[str, QMenu] = field(default_factory=dict)

    def reveal(self, key: str) -> None:
        dock = self.docks[key]
        dock.show()
        dock.raise_()


def install_explain(window: Host, area=Area.RightDockWidgetArea) -> ExplainTools:
    """Create the explain docks and menu actions in `window` and connect them (once per window).

    Each view sits in a scroll area, so a small screen gets scroll bars instead of a window
    taller than the screen.
    """
    if window.explain is not None:
        return window.explain
    doc, panels = window.doc, window.inspection
    source = ControllerSource(panels.controller, window)
    views = {"window": WindowView(doc), "breakdown": BreakdownView(doc, source), "sharing": SharingView(doc),
             "fc": FcView(doc), "fcn": FcnView(doc, source), "backprop": BackpropView(doc, panels.gradients)}
    docks = {key: window.add_panel_dock(TITLES[key][0], FitScroll(view, f"explain-{key}-dock"), area,
                                        f"panel-explain-{key}")
             for key, view in views.items()}
    for key, view in views.items():  # views that waited behind another tab catch up when brought to the front
        if hasattr(view, "refresh_if_dirty"):
            docks[key].visibilityChanged.connect(
                lambda shown, v=view: shown and QTimer.singleShot(0, v, v.refresh_if_dirty))
    fc: FcView = views["fc"]

    check = OutputCheck(source, doc, fc.show_check, window)

    def converted(summary, message):
        fc.conversion_done(summary, message)
        if summary is not None:
            check.converted(tuple(c.id for c in summary.changes))
        tools.reveal("fc")
    convert = make_convert_action(window, doc, converted, check.capture)
    fc.set_action(convert)
    tools = ExplainTools(source, views, docks, convert)
    tools.menus = _menus(window, tools)
    _follow_selection(window, views)
    _connect_panels(panels, tools)
    window.explain = tools
    return tools


def _menus(window: Host, tools: ExplainTools) -> dict[str, QMenu]:
    """Tools ▸ Convert…, and an Explain menu that opens each view (both before Help)."""
    bar = window.menuBar()
    before = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    tools_menu = window.menus.get("tools")
    if tools_menu is None:
        tools_menu = QMenu("&Tools", bar)
        tools_menu.setObjectName("menu-tools")
        bar.insertMenu(before, tools_menu) if before else bar.addMenu(tools_menu)
    tools_menu.addAction(tools.convert_action)
    explain = QMenu("E&xplain", bar)
    explain.setObjectName("menu-explain")
    explain.setToolTipsVisible(True)
    for key, (_title, text) in TITLES.items():
        act = explain.addAction(text)
        act.setObjectName(f"action-explain-{key}")
        act.triggered.connect(lambda _checked=False, k=key: tools.reveal(k))
    bar.insertMenu(before, explain) if before else bar.addMenu(explain)
    return {"tools": tools_menu, "explain": explain}


def _follow_selection(window: Host, views: dict[str, QWidget]) -> None:
    def show(ids: list) -> None:
        for key in ("window", "breakdown", "sharing", "backprop"):
            views[key].show_selection(list(ids))
    window.selection_changed.connect(show)
    show(window.selected_ids())


def _connect_panels(panels: InspectionPanels, tools: ExplainTools) -> None:
    breakdown: BreakdownView = tools.views["breakdown"]
    maps = panels.feature_maps

    @guarded
    def picked(node_id: str, channel: int, row: int, col: int) -> None:
        breakdown.show_pixel(node_id, channel, row, col)
        if not _shares_tabs(tools.docks["breakdown"], _dock_of(maps)):
            tools.reveal("breakdown")  # the explanation comes to the front, beside the maps
    maps.pixel_clicked.connect(picked)
    breakdown.input_hook = panels.input_panel.show_receptive_box


def _dock_of(widget) -> QDockWidget | None:
    w = widget if isinstance(widget, QWidget) else None
    while w is not None and not isinstance(w, QDockWidget):
        w = w.parentWidget()
    return w


def _shares_tabs(dock: QDockWidget, other: QDockWidget | None) -> bool:
    """True when the two docks are tabs of one stack (raising one would hide the other)."""
    if other is None:
        return False
    window = dock.parentWidget()
    return other in window.tabifiedDockWidgets(dock)
