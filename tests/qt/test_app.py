"""`convstudio [NET.json]` → run_app: the QApplication identity, the window, the file."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from convstudio.cli import main
from convstudio.io import save_network
from convstudio.qt.app.main_window import MainWindow

from .conftest import small_network


def windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def test_cli_opens_the_named_file(qtbot, tmp_path, monkeypatch):
    path = tmp_path / "small.json"
    save_network(small_network(), path)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert main([str(path)]) == 0
    [win] = windows()
    qtbot.addWidget(win)
    assert win.doc.path == path and win.windowTitle().startswith("small.json")
    assert QCoreApplication.organizationName() == "ConvStudio"
    assert QCoreApplication.applicationName() == "ConvStudio"
    win.close()


def test_cli_with_a_bad_file_keeps_the_default_network(qtbot, tmp_path, monkeypatch, dialogs):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert main([str(path)]) == 0
    [win] = windows()
    qtbot.addWidget(win)
    assert "not valid JSON" in dialogs.named("show_error")[0][2]
    assert win.doc.path is None and len(win.doc.net) > 0
    win.close()


def test_a_mistyped_command_is_one_line_not_a_window(capsys):
    assert main(["sumary", "template:tinyvgg"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("convstudio: 'sumary' is neither a command (summary, run") and err.count("\n") == 1
    assert not windows()


def test_without_a_display_the_app_says_so(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 2
    assert "no display to open the window on" in capsys.readouterr().err
    assert not windows()


def test_a_template_opens_in_the_app(qtbot, monkeypatch, dialogs):
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert main(["template:vgg16"]) == 0
    [win] = windows()
    qtbot.addWidget(win)
    assert win.doc.net.name == "VGG-16" and win.doc.path is None
    win.close()


def test_a_missing_file_or_template_is_named(capsys):
    assert main(["nowhere/net.json"]) == 2
    assert capsys.readouterr().err == "convstudio: nowhere/net.json: no such file\n"
    assert main(["template:vgg61"]) == 2
    assert "no template 'vgg61'; templates: alexnet" in capsys.readouterr().err
    assert not windows()
