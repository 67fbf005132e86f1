"""The image the network runs on: a procedural sample or a file (open or drop), shown as loaded
and as the network receives it (resized, channels converted, optionally normalized)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...engine import grid, images
from ...layers import fmt_shape
from ..messages import guarded
from . import file_dialogs
from .qimages import to_qimage
from .run_controller import RunController, fmt_seconds

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
NORMALIZATIONS = [("None (values 0…1)", None, "The image's values scaled to 0…1, as the CLI does by default"),
                  ("ImageNet mean/std", "imagenet", ("x' = (x − mean) / std per channel with ImageNet's statistics, "
                                                     "what torchvision's pretrained networks expect (3 channels)"))]


class ImageBox(QWidget):
    """An image fitted to the box, keeping its proportions; small images are enlarged with crisp pixels."""

    def __init__(self, name: str, tip: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setToolTip(tip)
        self.image = QImage()
        self.box = None  # (top, left, bottom, right) input pixels to outline, inclusive
        self.setMinimumSize(96, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_array(self, rgb: np.ndarray | None) -> None:
        self.image = QImage() if rgb is None else to_qimage(rgb)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, 200)

    def target(self) -> QRect:
        """Where the image is drawn: fitted and centred, enlarged by a whole factor when ≥ 2."""
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.width() >= 2 * self.image.width():
            size = self.image.size() * (size.width() // self.image.width())
        return QRect((self.width() - size.width()) // 2, (self.height() - size.height()) // 2,
                     size.width(), size.height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if not self.image.isNull():
            target = self.target()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, target.width() < self.image.width())
            painter.drawImage(target, self.image)
            if self.box is not None:
                self._outline(painter, target)
        painter.end()

    def set_box(self, box: tuple[int, int, int, int] | None) -> None:
        self.box = box
        self.update()

    def _outline(self, painter: QPainter, target: QRect) -> None:
        """The receptive field of the picked output value, in the image's pixel grid."""
        top, left, bottom, right = self.box
        sx = target.width() / self.image.width()
        sy = target.height() / self.image.height()
        rect = QRectF(target.x() + left * sx, target.y() + top * sy, (right - left + 1) * sx, (bottom - top + 1) * sy)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for colour, width in ((Qt.GlobalColor.black, 4), (Qt.GlobalColor.yellow, 2)):
            painter.setPen(QPen(colour, width))
            painter.drawRect(rect)


def display_rgb(chw: np.ndarray, rescale: bool) -> np.ndarray:
    """A (C, H, W) network input as a viewable uint8 image: RGB, gray, or channels side by side."""
    if rescale:  # normalized values leave 0…1: stretch each channel back for viewing
        chw = grid.normalize(chw, shared=False)
    if chw.shape[0] in (1, 3):
        return images.image_to_uint8_rgb(chw)
    tiled = grid.tile(np.clip(chw, 0, 1), columns=chw.shape[0])
    return images.image_to_uint8_rgb(tiled)


class InputPanel(QWidget):
    def __init__(self, controller: RunController, run_action=None, parent=None):
        super().__init__(parent)
        self.setObjectName("input-panel")
        self.setAcceptDrops(True)
        self.controller = controller
        self._build(run_action)
        controller.images_changed.connect(self.refresh)
        controller.source_changed.connect(self._show_source)
        controller.normalization_changed.connect(self._show_normalization)
        controller.results_changed.connect(self._show_last_run)
        controller.status_changed.connect(self._show_last_run)
        controller.auto_run_changed.connect(self.auto.setChecked)
        self._show_source(controller.source)
        self.refresh()

    def _build(self, run_action) -> None:
        self.source = QComboBox(objectName="input-source", toolTip="Procedural sample images (hover an entry for "
                                "what it shows) or the image file you opened")
        for name in images.sample_names():
            self.source.addItem(name, images.SAMPLE_PREFIX + name)
            self.source.setItemData(self.source.count() - 1, images.sample_description(name),
                                    Qt.ItemDataRole.ToolTipRole)
        self.open = QPushButton("Open image…", objectName="input-open",
                                toolTip="Run on a PNG or JPEG file (you can also drop one onto this panel)")
        self.normalize = QComboBox(objectName="input-normalize", toolTip="What is done to the values after scaling")
        for text, data, tip in NORMALIZATIONS:
            self.normalize.addItem(text, data)
            self.normalize.setItemData(self.normalize.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.run = QPushButton("Run (F5)", objectName="input-run", toolTip="Run the network on this image now")
        if run_action is not None:
            self.run.clicked.connect(run_action.trigger)
        else:
            self.run.clicked.connect(self.controller.run)
        self.auto = QCheckBox("Run automatically after each edit", objectName="input-auto-run",
                              checked=self.controller.auto_run,
                              toolTip="Re-run after every change to the network, image or weights "
                                      "(only for networks under 2 G MACs)")
        self.last_run = QLabel(objectName="input-last-run", wordWrap=True)
        self.original = ImageBox("input-original", "The image as loaded (samples are drawn at the Input size)")
        self.prepared = ImageBox("input-prepared", "Exactly what the Input layer receives")
        self.original_caption = QLabel(objectName="input-original-caption", wordWrap=True,
                                       alignment=Qt.AlignmentFlag.AlignHCenter)
        self.prepared_caption = QLabel(objectName="input-prepared-caption", wordWrap=True,
                                       alignment=Qt.AlignmentFlag.AlignHCenter)
        self.box_caption = QLabel(objectName="input-box-caption", wordWrap=True, visible=False,
                                  alignment=Qt.AlignmentFlag.AlignHCenter,
                                  toolTip="Pick a pixel in the feature maps, or a value in One Value, to move it")
        self._lay_out()
        self.source.activated.connect(lambda i: self._choose(self.source.itemData(i)))
        self.open.clicked.connect(self.open_file)
        self.normalize.activated.connect(lambda i: self.controller.set_normalization(self.normalize.itemData(i)))
        self.auto.toggled.connect(self.controller.set_auto_run)

    def _lay_out(self) -> None:
        form = QGridLayout()
        form.setHorizontalSpacing(6)
        form.addWidget(QLabel("Image"), 0, 0)
        form.addWidget(self.source, 0, 1)
        form.addWidget(self.open, 1, 1)
        form.addWidget(QLabel("Normalize"), 2, 0)
        form.addWidget(self.normalize, 2, 1)
        form.addWidget(self.run, 3, 1)
        form.addWidget(self.auto, 4, 0, 1, 2)
        form.addWidget(self.last_run, 5, 0, 1, 2)
        form.setRowStretch(6, 1)
        pictures = QGridLayout()
        pictures.addWidget(self.original, 0, 0)
        pictures.addWidget(QLabel("→", toolTip="resize, convert channels, normalize"), 0, 1)
        pictures.addWidget(self.prepared, 0, 2)
        pictures.addWidget(self.original_caption, 1, 0)
        pictures.addWidget(self.prepared_caption, 1, 2)
        pictures.addWidget(self.box_caption, 2, 0, 1, 3)
        pictures.setColumnStretch(0, 1)
        pictures.setColumnStretch(2, 1)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        column = QVBoxLayout()
        column.addLayout(form)
        row.addLayout(column)
        row.addLayout(pictures, 1)

    # -- choosing ------------------------------------------------------------------------------------
    def show_receptive_box(self, box, what: str = "") -> None:
        """Outline the input pixels that can change the value picked in a feature map (None clears it)."""
        empty = box is None or box.empty
        self.prepared.set_box(None if empty else (box.top, box.left, box.bottom, box.right))
        self.box_caption.setText("" if empty else
                                 f"Yellow box: the input pixels that can change {what or 'the picked value'} "
                                 f"(rows {box.top}–{box.bottom}, columns {box.left}–{box.right}).")
        self.box_caption.setVisible(not empty)

    def _choose(self, source: str) -> None:
        self.controller.set_source(source)

    @guarded
    def open_file(self, path: str | None = None) -> None:
        folder = str(Path(self.controller.source).parent) if os.path.exists(self.controller.source) else ""
        path = path or file_dialogs.open_image(self, folder)
        if path:
            self.controller.set_source(path)

    def dragEnterEvent(self, event) -> None:
        if self.dropped_image(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self.dropped_image(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.controller.set_source(path)

    @staticmethod
    def dropped_image(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            path = url.toLocalFile()
            if path and path.lower().endswith(IMAGE_SUFFIXES):
                return path
        return None

    # -- showing -------------------------------------------------------------------------------------
    def _show_source(self, source: str) -> None:
        index = self.source.findData(source)
        if index < 0:
            first = self.source.itemData(0)
            if not str(first).startswith(images.SAMPLE_PREFIX):
                self.source.removeItem(0)
            self.source.insertItem(0, f"File: {Path(source).name}", source)
            self.source.setItemData(0, source, Qt.ItemDataRole.ToolTipRole)
            index = 0
        self.source.setCurrentIndex(index)

    def _show_normalization(self, normalize) -> None:
        self.normalize.setCurrentIndex(max(0, self.normalize.findData(normalize)))

    @guarded
    def refresh(self) -> None:
        shown = self.controller.images
        if shown is None:
            self.original.set_array(None)
            self.prepared.set_array(None)
            self.original_caption.setText("")
            has_input = any(n.decl.is_input for n in self.controller.doc.net)
            self.prepared_caption.setText(self.controller.error or ("Preparing the image…" if has_input else
                                                                    "The network has no Input layer."))
            return
        self.original.set_array(images.image_to_uint8_rgb(shown.original))
        self.original_caption.setText(self._original_text(shown))
        if shown.prepared:
            input_id, chw = next(iter(shown.prepared.items()))
            self.prepared.set_array(display_rgb(chw, shown.normalize is not None))
            self.prepared_caption.setText(self._prepared_text(input_id, chw, shown.normalize)
                                          + stretch_note(shown.original.shape[1:], chw.shape[1:]))

    def _original_text(self, shown) -> str:
        c, h, w = shown.original.shape
        kind = {1: "gray", 3: "RGB"}.get(c, f"{c} channels")
        if shown.source.startswith(images.SAMPLE_PREFIX):
            return f"Original: sample “{shown.source[len(images.SAMPLE_PREFIX):]}”, drawn at {w}×{h} ({kind})"
        return f"Original: {Path(shown.source).name}, {w}×{h} pixels ({kind})"

    def _prepared_text(self, input_id: str, chw: np.ndarray, normalize) -> str:
        text = f"Network input ({input_id}): {fmt_shape(chw.shape)}"
        if normalize:
            text += f", ImageNet-normalized (values {chw.min():.2f}…{chw.max():.2f}, shown stretched)"
        if chw.shape[0] not in (1, 3):
            text += f"; its {chw.shape[0]} channels side by side"
        return text

    def _show_last_run(self) -> None:
        c = self.controller
        results = c.results
        if c.pending and results is not None:
            return  # a run is about to replace these figures
        if c.busy:
            text = "Running…"
        elif results is None:
            text = c.error or "Not run yet."
        else:
            text = f"Last run: {fmt_seconds(results.seconds)}, {len(results.activations)} layers"
            if c.stale:
                text += " (out of date: press F5)"
        self.last_run.setText(text)


def stretch_note(original_hw, target_hw) -> str:
    """Say so when resizing changes the picture's proportions (the whole picture is kept, not cropped)."""
    (h, w), (th, tw) = original_hw, target_hw
    if h <= 0 or w <= 0 or abs((w / h) / (tw / th) - 1) < 0.02:
        return ""
    return f"; stretched to {tw}×{th}: the {w}×{h} picture's proportions change (nothing is cropped)"
