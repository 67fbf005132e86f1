"""File ▸ Export: PyTorch code, ONNX, canvas PNG and SVG, each written where the user chose."""
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from convstudio.qt.app.main_window import MainWindow

from .conftest import small_network


@pytest.fixture
def win(qtbot, monkeypatch, tmp_path):
    w = MainWindow(network=small_network(), panels=False)
    qtbot.addWidget(w)
    return w


def choose(monkeypatch, path):
    from convstudio.qt.app import dialogs

    monkeypatch.setattr(dialogs, "export_path", lambda *a, **k: str(path))


def test_menu_lists_every_export(win):
    from PySide6.QtWidgets import QMenu

    menu = win.findChild(QMenu, "menu-export")
    texts = [a.text().replace("&", "") for a in menu.actions() if a.text()]
    assert texts == ["Network JSON…", "PyTorch Code…", "ONNX Model…", "Canvas as PNG…", "Canvas as SVG…"]


def test_canvas_png_shows_the_whole_network(win, monkeypatch, tmp_path):
    choose(monkeypatch, tmp_path / "net.png")
    win.exports.png()
    image = QImage(str(tmp_path / "net.png"))
    rect = win.scene.itemsBoundingRect()
    assert image.width() >= 2 * rect.width() and image.height() >= 2 * rect.height()
    assert len({image.pixel(x, image.height() // 2) for x in range(0, image.width(), 3)}) > 3


def test_canvas_svg_is_a_drawing_with_the_layer_ids(win, monkeypatch, tmp_path):
    choose(monkeypatch, tmp_path / "net.svg")
    win.exports.svg()
    text = (tmp_path / "net.svg").read_text()
    ET.fromstring(text)  # well-formed
    assert "conv1" in text and "<svg" in text


def test_pytorch_code_is_written(win, monkeypatch, tmp_path):
    choose(monkeypatch, tmp_path / "net.py")
    win.exports.pytorch()
    code = (tmp_path / "net.py").read_text()
    compile(code, "net.py", "exec")
    assert "nn.Module" in code and "load_npz" in code


def test_onnx_is_written_in_the_background(win, monkeypatch, tmp_path, qtbot):
    pytest.importorskip("onnx")
    choose(monkeypatch, tmp_path / "net.onnx")
    win.exports.onnx()
    qtbot.waitUntil(lambda: (tmp_path / "net.onnx").exists(), timeout=20000)
    import onnx

    qtbot.waitUntil(lambda: _loads(onnx, tmp_path / "net.onnx"), timeout=20000)


def _loads(onnx, path) -> bool:
    try:
        onnx.checker.check_model(onnx.load(str(path)))
        return True
    except Exception:
        return False
