"""GUI tests run headless (offscreen), with settings in a temporary file and no blocking dialogs."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from convstudio.graph import Network  # noqa: E402
from tests.qt.qt_nets import laid_out  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def garbage_collected_in_event_loop(qapp):
    """As in the app: Python's cycle collector runs from the event loop, never inside a Qt call."""
    from convstudio.qt.app.launch import collect_garbage_in_event_loop

    collect_garbage_in_event_loop(qapp)


@pytest.fixture(autouse=True)
def empty_clipboard(qapp):
    """Leave no data on the clipboard: the offscreen platform crashes at exit if the app still owns some."""
    yield
    qapp.clipboard().clear()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Never read or write the user's real settings."""
    path = tmp_path / "convstudio-settings.ini"
    monkeypatch.setenv("CONVSTUDIO_SETTINGS", str(path))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # autosaves
    return path


class Messages:
    """The app's status messages, as (text, level)."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []

    def __call__(self, text, level):
        self.items.append((text, level))

    def texts(self, level=None):
        return [t for t, lv in self.items if level is None or lv == level]


@pytest.fixture
def messages():
    from convstudio.qt.messages import messenger

    log = Messages()
    messenger().message.connect(log)
    yield log
    messenger().message.disconnect(log)


class DialogLog:
    """Stands in for convstudio.qt.app.dialogs: records each call and answers as told."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.save_answer = "discard"
        self.open_answer = ""
        self.save_path_answer = ""
        self.restore_answer = "later"

    def ask_save_changes(self, parent, name):
        self.calls.append(("ask_save_changes", name))
        return self.save_answer

    def ask_restore(self, parent, description):
        self.calls.append(("ask_restore", description))
        return self.restore_answer

    def show_error(self, parent, title, text):
        self.calls.append(("show_error", title, text))

    def open_path(self, parent, folder=""):
        self.calls.append(("open_path", folder))
        return self.open_answer

    def save_path(self, parent, suggestion, title="Save network as"):
        self.calls.append(("save_path", suggestion))
        return self.save_path_answer

    def about(self, parent, text):
        self.calls.append(("about",))

    def named(self, name):
        return [c for c in self.calls if c[0] == name]


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    from convstudio.qt.app import dialogs as module

    log = DialogLog()
    for name in ("ask_save_changes", "ask_restore", "show_error", "open_path", "save_path", "about"):
        monkeypatch.setattr(module, name, getattr(log, name))

    def refuse(*args, **kwargs):
        raise AssertionError(f"a real message box was opened: {args[1:3]}")
    for name in ("warning", "question", "critical", "information", "about"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    return log


def small_network() -> Network:
    """image → conv1 → relu1 → pool1 → flat → fc, laid out top to bottom (built with commands)."""
    steps = [("Input", "image", {"channels": 3, "height": 32, "width": 32}, []),
             ("Conv2D", "conv1", {"filters": 8, "kernel_size": 3, "padding": 1}, ["image"]),
             ("ReLU", "relu1", {}, ["conv1"]),
             ("MaxPool2D", "pool1", {}, ["relu1"]),
             ("Flatten", "flat", {}, ["pool1"]),
             ("Dense", "fc", {"units": 10}, ["flat"])]
    return laid_out("Small", steps)


@pytest.fixture
def window(qtbot, dialogs):
    from convstudio.qt.app.main_window import MainWindow

    win = MainWindow(network=small_network())
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    QApplication.processEvents()  # lets the deferred "show the network" run first
    win.view.reset_zoom()
    win.view.centerOn(win.scene.network_rect().center())
    QApplication.processEvents()
    return win


# -- synthetic mouse input on the canvas -----------------------------------------------------------
def view_point(win, scene_pos) -> QPoint:
    return win.view.mapFromScene(QPointF(scene_pos))


def mouse(widget, kind, pos: QPoint, button=Qt.MouseButton.LeftButton, buttons=None,
          modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    if buttons is None:
        buttons = Qt.MouseButton.NoButton if kind == "release" else button
    local = QPointF(pos)
    event = QMouseEvent(types[kind], local, QPointF(widget.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton if kind == "move" else button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(win, points, button=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at the first scene point, move through the rest in small steps, release at the last."""
    viewport = win.view.viewport()
    pts = [view_point(win, p) for p in points]
    mouse(viewport, "press", pts[0], button, modifiers=modifiers)
    previous = pts[0]
    for target in pts[1:]:
        for k in range(1, 6):
            step = previous + (target - previous) * k / 5
            mouse(viewport, "move", step, button, buttons=button, modifiers=modifiers)
        previous = target
    mouse(viewport, "release", pts[-1], button, modifiers=modifiers)
    QApplication.processEvents()


def click(win, scene_pos, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    drag(win, [scene_pos, scene_pos], modifiers=modifiers)
