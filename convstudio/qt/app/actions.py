"""The window's actions, menus and toolbar, with their shortcuts and tooltips."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from .export_menu import add_export_menu

Key = QKeySequence.StandardKey


@dataclass
class Actions:
    new: QAction
    open: QAction
    save: QAction
    save_as: QAction
    export_json: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    cut: QAction
    copy: QAction
    paste: QAction
    duplicate: QAction
    delete: QAction
    select_all: QAction
    zoom_in: QAction
    zoom_out: QAction
    fit: QAction
    reset_zoom: QAction
    auto_layout: QAction
    about: QAction
    undo_button: QAction
    redo_button: QAction


def action(window: QMainWindow, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
    act = QAction(text, window)
    keys = [QKeySequence(k) for k in shortcuts]
    if keys:
        act.setShortcuts(keys)
    shortcut = f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})" if keys else ""
    act.setToolTip((tip or text.replace("&", "").rstrip("…")) + shortcut)
    act.setStatusTip(tip or text.replace("&", ""))
    act.triggered.connect(lambda _checked=False: slot())
    window.addAction(act)  # shortcuts work even when menus and toolbar are hidden
    return act


def build_actions(window) -> Actions:
    """`window` is the MainWindow: its `files`, `edits`, `view` and `doc` do the work."""
    files, edits, view, stack = window.files, window.edits, window.view, window.doc.stack
    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcuts([QKeySequence(Key.Undo)])
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for act in (undo, redo):
        window.addAction(act)
    return Actions(
        new=action(window, "&New", files.new, [Key.New], "Start a new network with one Input layer"),
        open=action(window, "&Open…", files.open, [Key.Open], "Open a network JSON file"),
        save=action(window, "&Save", files.save, [Key.Save], "Save the network"),
        save_as=action(window, "Save &As…", files.save_as, ["Ctrl+Shift+S"], "Save the network under a new name"),
        export_json=action(window, "Network &JSON…", files.export_json, (),
                           "Write a copy of the network as JSON without changing the open file"),
        quit=action(window, "&Quit", window.close, [Key.Quit], "Close ConvStudio"),
        undo=undo,
        redo=redo,
        cut=action(window, "Cu&t", edits.cut, [Key.Cut], "Copy the selected layers and delete them"),
        copy=action(window, "&Copy", edits.copy, [Key.Copy], "Copy the selected layers and their connections"),
        paste=action(window, "&Paste", edits.paste, [Key.Paste], "Paste copied layers with new ids"),
        duplicate=action(window, "D&uplicate", edits.duplicate, ["Ctrl+D"], "Duplicate the selected layers"),
        delete=action(window, "&Delete", edits.delete_selection, [Key.Delete, "Backspace"],
                      "Delete the selected layers or connections"),
        select_all=action(window, "Select &All", edits.select_all, [Key.SelectAll], "Select every layer"),
        zoom_in=action(window, "Zoom &In", view.zoom_in, ["Ctrl++", "Ctrl+="], "Zoom in"),
        zoom_out=action(window, "Zoom &Out", view.zoom_out, ["Ctrl+-"], "Zoom out"),
        fit=action(window, "&Fit Network", view.fit_all, ["F"], "Show the whole network"),
        reset_zoom=action(window, "&Actual Size", view.reset_zoom, ["Ctrl+0"], "Zoom to 100 %"),
        auto_layout=action(window, "Auto-&Layout", edits.auto_layout, ["Ctrl+L"],
                           "Arrange the layers top to bottom in run order (undoable)"),
        about=action(window, "&About ConvStudio", window.show_about, (), "About ConvStudio"),
        undo_button=StackButton(window, "Undo", stack.undo, stack.canUndoChanged, stack.undoTextChanged,
                                 stack.canUndo()),
        redo_button=StackButton(window, "Redo", stack.redo, stack.canRedoChanged, stack.redoTextChanged,
                                 stack.canRedo()),
    )


class StackButton(QAction):
    """A toolbar twin of Undo/Redo with a fixed label (the menu entries name the step and own the shortcut)."""

    def __init__(self, window, verb: str, slot, can_changed, text_changed, enabled: bool):
        super().__init__(verb, window)
        self.verb = verb
        self.triggered.connect(lambda _checked=False: slot())
        self.setEnabled(enabled)
        self.setToolTip(f"Nothing to {verb.lower()}")
        can_changed.connect(self.setEnabled)
        text_changed.connect(self.describe)

    def describe(self, text: str) -> None:
        self.setToolTip(f"{self.verb} {text}" if text else f"Nothing to {self.verb.lower()}")


def build_menus(window, acts: Actions) -> dict[str, QMenu]:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(acts.new)
    templates = file_menu.addMenu("New from &Template")
    templates.setObjectName("menu-templates")
    file_menu.addAction(acts.open)
    recent = file_menu.addMenu("Open &Recent")
    recent.setObjectName("menu-recent")
    file_menu.addSeparator()
    for act in (acts.save, acts.save_as):
        file_menu.addAction(act)
    window.exports = add_export_menu(window, file_menu, acts.export_json)
    file_menu.addSeparator()
    file_menu.addAction(acts.quit)

    edit = bar.addMenu("&Edit")
    for act in (acts.undo, acts.redo, None, acts.cut, acts.copy, acts.paste, acts.duplicate, acts.delete,
                None, acts.select_all):
        edit.addSeparator() if act is None else edit.addAction(act)

    view = bar.addMenu("&View")
    for act in (acts.zoom_in, acts.zoom_out, acts.fit, acts.reset_zoom, None, acts.auto_layout):
        view.addSeparator() if act is None else view.addAction(act)
    view.addSeparator()
    docks = view.addMenu("&Docks")
    panels = view.addMenu("&Panels")
    panels.setEnabled(False)

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(acts.about)
    return {"file": file_menu, "templates": templates, "recent": recent, "edit": edit, "view": view,
            "docks": docks, "panels": panels, "help": help_menu}


def build_toolbar(window, acts: Actions) -> QToolBar:
    bar = QToolBar("Main toolbar", window)
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    for act in (acts.new, acts.open, acts.save, None, acts.undo_button, acts.redo_button, None, acts.delete,
                acts.duplicate, None, acts.zoom_out, acts.zoom_in, acts.fit, acts.auto_layout):
        bar.addSeparator() if act is None else bar.addAction(act)
    return bar
