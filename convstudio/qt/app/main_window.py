"""The main window: canvas in the middle, palette, inspector, summary and history in docks.

`MainWindow()` needs no arguments: it opens the default template (TinyVGG), restores the
window geometry and dock layout from QSettings, and offers `add_panel_dock` for the
feature-map and filter panels.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QUndoView, QWidget
from shiboken6 import isValid

from ... import __version__
from ...errors import ConvStudioError
from ...graph import Network
from ...io.templates import DEFAULT, load_template, template_path, template_titles
from ..canvas import CanvasScene, CanvasView
from ..canvas.edit_ops import CanvasEdits
from ..canvas.mime import json_paths
from ..canvas.palette import Palette
from ..document.autosave import Autosaver, find_autosaves, restore_into
from ..document.document import Document, starter_network
from ..explain import ExplainTools, install_explain
from ..inspector.inspector import Inspector
from ..messages import guarded, messenger, notify
from ..panels import InspectionPanels, install_inspection
from ..panels.summary_dock import SummaryPanel
from ..training import TrainTools, install_training
from . import dialogs
from .actions import build_actions, build_menus, build_toolbar
from .files import FileFlows
from .help import HelpWindows, fill_help_menu
from .settings import open_settings
from .status_bar import NetworkStatusBar

Area = Qt.DockWidgetArea
DOCKS_KEY = "window/docks"  # the docks the saved layout places, by object name


class MainWindow(QMainWindow):
    selection_changed = Signal(list)  # ids of the selected layers, in network order

    def __init__(self, network: Network | None = None, settings: QSettings | None = None, parent=None, *,
                 panels: bool = True):
        """The whole window; `panels=False` leaves out the run, inspection and explanation docks."""
        super().__init__(parent)
        self.setObjectName("main-window")
        self.settings = settings if settings is not None else open_settings()
        self.doc = Document(parent=self)
        self.scene = CanvasScene(self.doc, self)
        self.view = CanvasView(self.scene)
        self.setCentralWidget(self.view)
        self.edits = CanvasEdits(self.doc, self.scene, self.view)
        self.files = FileFlows(self, self.doc, self.settings, after_open=self._after_open)
        self.autosaver = Autosaver(self.doc, self)
        self.panel_docks: list[QDockWidget] = []
        self.inspection: InspectionPanels | None = None  # filled by install_inspection, install_explain, …
        self.explain: ExplainTools | None = None
        self.training: TrainTools | None = None
        self._build_docks()
        self.acts = build_actions(self)
        self.menus = build_menus(self, self.acts)
        self.help = HelpWindows(self)
        fill_help_menu(self, self.menus["help"], self.help)
        self.addToolBar(build_toolbar(self, self.acts))
        self._canvas_menu()
        self.status = NetworkStatusBar(self.doc, self)
        self.setStatusBar(self.status)
        self.setAcceptDrops(True)
        self._connect()
        self._fill_dock_menu()
        self._fill_templates_menu()
        self._fill_recent_menu()
        self._restore_layout()
        self._open_first(network)
        if panels:
            install_inspection(self)
            install_explain(self)
            install_training(self)
            if self._saved_state is not None:
                self.restoreState(self._saved_state)  # again, now that every dock exists: tabs in front too
            else:
                self.inspector_dock.raise_()
            QTimer.singleShot(0, self, self._hide_stale_tab_bars)
        from ..testing.geometry_probe import maybe_install
        maybe_install(self)

    # -- construction ---------------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.palette = Palette()
        self.inspector = Inspector(self.doc, self.scene)
        self.summary = SummaryPanel(self.doc)
        self.history = QUndoView(self.doc.stack)
        self.history.setObjectName("history")
        self.history.setEmptyLabel("(as opened)")
        self.history.setToolTip("Every edit since the network was opened; click a step to go back to it")
        self.palette_dock = self._dock("Layers", "dock-palette", self.palette, Area.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", "dock-inspector", self.inspector, Area.RightDockWidgetArea)
        self.summary_dock = self._dock("Summary", "dock-summary", self.summary, Area.BottomDockWidgetArea)
        self.history_dock = self._dock("History", "dock-history", self.history, Area.BottomDockWidgetArea)
        self.tabifyDockWidget(self.summary_dock, self.history_dock)
        self.summary_dock.raise_()

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _canvas_menu(self) -> None:
        """Right-click on the canvas: the edit actions for what is under the pointer."""
        a = self.acts
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for act in (a.cut, a.copy, a.paste, a.duplicate, a.delete, None, a.select_all, a.fit, a.auto_layout):
            if act is None:
                act = QAction(self.view)
                act.setSeparator(True)
            self.view.addAction(act)

    def _connect(self) -> None:
        messenger().message.connect(self.status.show_message)
        self.doc.state_changed.connect(self._update_title)
        self.doc.changed.connect(self._on_doc_changed)
        self.scene.selectionChanged.connect(self._on_selection)
        self.scene.connected.connect(lambda target: self.scene.select_ids([target]))
        self.view.layer_dropped.connect(self.edits.drop_layer)
        self.view.files_dropped.connect(self.open_dropped)
        self.palette.activated.connect(self.edits.add_below_selection)
        self.summary.node_clicked.connect(self.reveal)
        self.status.problems_clicked.connect(self.reveal_first_problem)
        self.files.recent_changed.connect(self._fill_recent_menu)

    def _fill_dock_menu(self) -> None:
        for dock in (self.palette_dock, self.inspector_dock, self.summary_dock, self.history_dock):
            self.menus["docks"].addAction(dock.toggleViewAction())

    def _fill_templates_menu(self) -> None:
        menu = self.menus["templates"]
        menu.clear()
        try:
            rows = template_titles()
        except OSError:
            rows = []
        menu.setToolTipsVisible(True)
        for name, title, description in rows:
            act = menu.addAction(title)
            act.setStatusTip(f"Start a new network from the {title} template")
            act.setToolTip(description or title)
            act.triggered.connect(lambda _=False, n=name: self.files.new_from_template(n))
        menu.setEnabled(bool(rows))

    def _fill_recent_menu(self) -> None:
        menu = self.menus["recent"]
        menu.clear()
        files = self.files.recent()
        for path in files:
            act = menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.files.open_recent(p))
        if files:
            menu.addSeparator()
            menu.addAction("Clear Menu", self.files.clear_recent)
        menu.setEnabled(bool(files))

    # -- documents ------------------------------------------------------------------------------------
    def _open_first(self, network: Network | None) -> None:
        weights_from = None
        if network is None:
            try:
                network, weights_from = load_template(DEFAULT), template_path(DEFAULT)
            except ConvStudioError as exc:
                network = starter_network()
                notify(f"The default network could not be opened ({exc}); starting empty.", "error")
        self.doc.replace(network, None, weights_from)
        self._after_open()

    def _after_open(self) -> None:
        if len(self.doc.net) > 1 and len({n.position for n in self.doc.net}) == 1:
            self.edits.auto_layout()  # a file without positions: lay it out (undoable)
            notify("The file has no layer positions; laid the layers out (Undo to revert).")
        QTimer.singleShot(0, self.view.show_network)
        self._update_title()

    @guarded
    def open_dropped(self, paths: list[str]) -> None:
        if paths:
            self.files.open(paths[0])

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.doc.display_name}[*] — ConvStudio")
        self.setWindowModified(self.doc.modified)

    def _on_doc_changed(self, change) -> None:
        if change.reset:
            self._on_selection()

    # -- selection --------------------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        return self.scene.selected_ids()

    def _on_selection(self) -> None:
        if not isValid(self.scene) or not isValid(self.summary):
            return  # the window is being torn down
        ids = self.scene.selected_ids()
        self.summary.show_selection(ids)
        self.selection_changed.emit(ids)

    @guarded
    def reveal(self, node_id: str) -> None:
        """Select a layer and scroll the canvas to it (summary rows, problem count)."""
        self.scene.select_ids([node_id])
        item = self.scene.nodes.get(node_id)
        if item is not None:
            self.view.ensureVisible(item, 80, 80)

    def reveal_first_problem(self) -> None:
        problems = self.doc.report.errors or self.doc.report.warnings
        if problems:
            self.reveal(problems[0].node)
            notify(problems[0].message, problems[0].level)

    # -- panels from other parts of the app ---------------------------------------------------------------
    def add_panel_dock(self, title: str, widget: QWidget, area=Area.RightDockWidgetArea,
                       object_name: str | None = None) -> QDockWidget:
        """Dock a panel (feature maps, filters, …); panels in the same area share it as tabs."""
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name or "panel-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"))
        dock.setWidget(widget)
        if not self.restoreDockWidget(dock):  # placed where the user left it last time, else:
            same_area = [d for d in self.findChildren(QDockWidget)
                         if d is not dock and not d.isFloating() and self.dockWidgetArea(d) == area]
            self.addDockWidget(area, dock)
            if same_area:  # on the right, with the inspector's tabs (the run panels may sit below them)
                beside = self.inspector_dock if self.inspector_dock in same_area else same_area[-1]
                self.tabifyDockWidget(beside, dock)
            dock.show()
        self.panel_docks.append(dock)
        panels = self.menus["panels"]
        panels.addAction(dock.toggleViewAction())
        panels.setEnabled(True)
        return dock

    def _hide_stale_tab_bars(self) -> None:
        """Docks tabified one by one leave Qt's first tab bar behind, visible and empty of meaning
        (it shows through when the window is resized). A dock is a tab of one bar only, so of two
        visible bars that share a tab, the one with fewer tabs is left over."""
        bars = [b for b in self.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
                if b.isVisible()]
        titles = {b: {b.tabText(i) for i in range(b.count())} for b in bars}
        for bar in bars:  # many tabs in a narrow dock: whole titles with scroll arrows, not "F…", "S…"
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)
        for bar in bars:
            if any(o is not bar and titles[bar] & titles[o] and len(titles[o]) > len(titles[bar]) for o in bars):
                bar.hide()

    # -- layout persistence ----------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        self.start_maximized = False
        self.compact_layout = False  # see _default_layout
        self._saved_state: QByteArray | None = None
        self._saved_docks = set(self.settings.value(DOCKS_KEY, [], type=list))
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            if isinstance(state, QByteArray) and self.restoreState(state):
                self._saved_state = state
            return
        self._default_layout()

    def _default_layout(self) -> None:
        """First start. On a screen under 800 px tall (1366×768 laptops) the window is compact: the canvas
        keeps the height to show a whole small network readably, the side docks run the full height (the
        palette's groups all in view) and the run panels join the inspector's tabs instead of the bottom."""
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen else None
        self.compact_layout = available is not None and available.height() < 800
        if available is not None and (available.width() < 1500 or available.height() < 950):
            self.setGeometry(available)
            self.start_maximized = True  # a small screen: use all of it
        else:
            size = available.size() * 0.85 if available is not None else None
            self.resize(max(size.width(), 1400), max(size.height(), 880)) if size else self.resize(1440, 900)
            if available is not None:
                self.move(available.center() - self.rect().center())
        self.setCorner(Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)  # every palette group in view
        if self.compact_layout:
            self.setCorner(Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        self.resizeDocks([self.palette_dock, self.inspector_dock], [180, 420 if self.compact_layout else 480],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.summary_dock], [130 if self.compact_layout else 170], Qt.Orientation.Vertical)

    def placed_before(self, object_name: str) -> bool:
        """True when the saved layout places this dock: the user's choice wins over a first placement."""
        return self._saved_state is not None and object_name in self._saved_docks

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue(DOCKS_KEY, [d.objectName() for d in self.findChildren(QDockWidget)])
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.save_layout()
        self.autosaver.discard()  # saved or deliberately discarded
        self.autosaver.shutdown()
        event.accept()

    @guarded
    def offer_restore(self) -> bool:
        """At start: offer each autosave a session left behind (newest first); True if one was restored."""
        for found in find_autosaves():
            answer = dialogs.ask_restore(self, found.describe())
            if answer == "discard":
                found.discard()
            elif answer == "restore":
                restore_into(self.doc, found)
                self._after_open()
                notify(f"Restored {found.name} from the autosave; save it to keep it.")
                return True
        return False

    # -- window-level drops: a .json file anywhere opens it ------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if json_paths(event.mimeData()) or self.dropped_image(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A network file opens; an image becomes the network's input (when the run panels are there)."""
        paths = json_paths(event.mimeData())
        image = self.dropped_image(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.open_dropped(paths)
        elif image:
            event.acceptProposedAction()
            self.inspection.controller.set_source(image)
            self.inspection.docks["input"].raise_()

    def dropped_image(self, mime) -> str | None:
        panels = self.inspection
        return panels.input_panel.dropped_image(mime) if panels is not None else None

    def show_about(self) -> None:
        dialogs.about(self, f"<b>ConvStudio {__version__}</b><br>Build convolutional networks and see how "
                            "convolution works: every layer's shape, parameters and cost, live.")
