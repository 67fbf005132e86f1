"""File ▸ Export: the network as PyTorch code or ONNX, and the canvas as PNG or SVG.

Code and pictures are written at once; an ONNX model carries every weight (hundreds of MB for
VGG-16), so it is written on a pool thread with the outcome in the status bar.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene, QMenu

from ...errors import ConvStudioError
from ...io.atomic import write_atomic
from . import dialogs
from ..jobs import start_job
from ..messages import guarded, notify
from .. import style

MARGIN = 24
PNG_SCALE = 2  # crisp on high-density screens and in slides


def scene_rect(scene: QGraphicsScene) -> QRectF:
    return scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def canvas_png(scene: QGraphicsScene, path: str | Path) -> None:
    """The whole network (not only what is in view) on white, at twice the screen size."""
    rect = scene_rect(scene)
    image = QImage(QSize(int(rect.width() * PNG_SCALE), int(rect.height() * PNG_SCALE)),
                   QImage.Format.Format_ARGB32)
    image.fill(style.WHITE)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(image.rect()), rect, Qt.AspectRatioMode.KeepAspectRatio)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise ConvStudioError(f"cannot write {path}")


def canvas_svg(scene: QGraphicsScene, path: str | Path, title: str) -> None:
    """A vector drawing of the whole network, drawn by Qt's own SVG generator."""
    rect = scene_rect(scene)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(rect.size().toSize())
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle(title)
    generator.setDescription("Drawn by ConvStudio")
    painter = QPainter()
    if not painter.begin(generator):
        raise ConvStudioError(f"cannot write {path}")
    painter.fillRect(QRectF(0, 0, rect.width(), rect.height()), style.WHITE)
    scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    painter.end()


class Exports:
    """The menu's actions for one window."""

    def __init__(self, window):
        self.window = window

    def _stem(self) -> Path:
        doc = self.window.doc
        folder = doc.path.parent if doc.path else Path.home()
        name = doc.path.stem if doc.path else "".join(c if c.isalnum() else "_" for c in doc.net.name).lower()
        return folder / (name or "network")

    def _ask(self, title: str, suffix: str, filter_text: str) -> str:
        return dialogs.export_path(self.window, title, str(self._stem()) + suffix, filter_text, suffix)

    def _checked(self) -> None:
        report = self.window.doc.report
        if report.errors:
            raise ConvStudioError(f"fix the network first: {report.errors[0].message}")

    @guarded
    def pytorch(self) -> None:
        from ...interop import export_pytorch

        self._checked()
        path = self._ask("Export PyTorch code", ".py", "Python files (*.py)")
        if path:
            write_atomic(path, export_pytorch(self.window.doc.net, source=self.window.doc.path and
                                              str(self.window.doc.path)).encode("utf-8"))
            notify(f"Wrote {Path(path).name}: an nn.Module with load_npz() for the network's weights.")

    @guarded
    def onnx(self) -> None:
        from ...interop.onnx_export import save_onnx

        self._checked()
        path = self._ask("Export ONNX model", ".onnx", "ONNX models (*.onnx)")
        if not path:
            return
        net = self.window.doc.net
        weights = self._weights()
        notify(f"Writing {Path(path).name}…")
        start_job(lambda _job: (save_onnx(net, weights, path), f"Wrote {Path(path).name}.")[1],
                  on_finished=notify, on_failed=lambda text: notify(f"Cannot export ONNX: {text}", "error"))

    def _weights(self):
        panels = self.window.inspection
        if panels is None:
            from ...engine.weights import init_weights

            return init_weights(self.window.doc.net, 0, self.window.doc.report)
        panels.controller.complete_now()
        return panels.controller.weights

    @guarded
    def png(self) -> None:
        path = self._ask("Export canvas as PNG", ".png", "PNG images (*.png)")
        if path:
            canvas_png(self.window.scene, path)
            notify(f"Wrote {Path(path).name}.")

    @guarded
    def svg(self) -> None:
        path = self._ask("Export canvas as SVG", ".svg", "SVG drawings (*.svg)")
        if path:
            canvas_svg(self.window.scene, path, self.window.doc.net.name)
            notify(f"Wrote {Path(path).name}.")


def add_export_menu(window, file_menu: QMenu, export_json) -> Exports:
    """File ▸ Export ▸ JSON / PyTorch / ONNX / canvas PNG / canvas SVG."""
    exports = Exports(window)
    menu = QMenu("&Export", file_menu)
    menu.setObjectName("menu-export")
    file_menu.addMenu(menu)
    menu.addAction(export_json)
    for text, slot, tip in (
        ("&PyTorch Code…", exports.pytorch, "A readable nn.Module, one attribute per layer, loading the .npz weights"),
        ("&ONNX Model…", exports.onnx, "The network and its current weights for any ONNX runtime (needs the onnx package)"),
        (None, None, None),
        ("Canvas as P&NG…", exports.png, "A picture of the whole network"),
        ("Canvas as &SVG…", exports.svg, "A vector drawing of the whole network"),
    ):
        if text is None:
            menu.addSeparator()
            continue
        act = menu.addAction(text)
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(lambda _checked=False, s=slot: s())
    return exports
