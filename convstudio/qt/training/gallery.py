"""Dataset pictures in the Train dock: sample images per class, the confusion matrix, the mistakes."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QGridLayout, QHeaderView, QLabel, QListView, QListWidget, QListWidgetItem,
                               QTableWidget, QTableWidgetItem, QWidget)

from ...engine.datasets import Dataset
from ...engine.images import image_to_uint8_rgb
from ..panels.qimages import to_qimage
from .. import style

THUMB = 36
MISTAKE_THUMB = 56
PER_CLASS = 6
MAX_MISTAKES = 60


def thumbnail(image: np.ndarray, size: int) -> QPixmap:
    """A prepared (C, H, W) image as a pixmap `size` pixels high, pixels kept sharp."""
    x = np.asarray(image, np.float32)
    lo, hi = float(x.min(initial=0)), float(x.max(initial=1))
    if lo < 0 or hi > 1:  # normalised data: stretch back to [0, 1] for display
        x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    pix = QPixmap.fromImage(to_qimage(image_to_uint8_rgb(x)))
    return pix.scaledToHeight(size, Qt.TransformationMode.FastTransformation)


class SampleStrip(QWidget):
    """One row per class: its name, its training + validation counts and a few of its images."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("train-samples")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(3)
        self.grid.setVerticalSpacing(2)
        self.rows: list[str] = []

    def show_data(self, data: Dataset | None, max_classes: int = 10) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = []
        if data is None:
            return
        samples = data.samples(PER_CLASS)
        counts = data.counts()
        for k, label in enumerate(data.labels[:max_classes]):
            train, val = counts[label]
            name = QLabel(f"<b>{label}</b> <span style='color:{style.COUNT_TEXT}'>{train} + {val}</span>")
            name.setToolTip(f"Class {k} “{label}”: {train} training and {val} validation images")
            self.grid.addWidget(name, k, 0)
            self.rows.append(label)
            for j, (image, _) in enumerate([s for s in samples if s[1] == k]):
                pic = QLabel()
                pic.setPixmap(thumbnail(image, THUMB))
                pic.setToolTip(f"A validation image of class “{label}”, as the network sees it")
                self.grid.addWidget(pic, k, 1 + j)
        if len(data.labels) > max_classes:
            more = QLabel(f"… and {len(data.labels) - max_classes} more classes")
            self.grid.addWidget(more, max_classes, 0, 1, PER_CLASS + 1)
        self.grid.setColumnStretch(PER_CLASS + 1, 1)


class ConfusionTable(QTableWidget):
    """Rows: the true class; columns: the class the network chose. The diagonal is what it got right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("train-confusion")
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setToolTip("Confusion matrix of the validation set after the latest epoch: row = true class, "
                        "column = predicted class; the diagonal counts the right answers")
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def show_confusion(self, confusion: np.ndarray, labels: list[str]) -> None:
        k = len(labels)
        self.setRowCount(k)
        self.setColumnCount(k)
        self.setHorizontalHeaderLabels([f"→ {name}" for name in labels])
        self.setVerticalHeaderLabels(labels)
        totals = confusion.sum(axis=1)
        for i in range(k):
            for j in range(k):
                n = int(confusion[i, j])
                share = n / totals[i] if totals[i] else 0.0
                item = QTableWidgetItem(str(n))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                base = QColor(style.GOOD) if i == j else QColor(style.BAD)
                colour = QColor(base)
                colour.setAlphaF(0.08 + 0.6 * share if n else 0.0)
                item.setBackground(QBrush(colour))
                item.setToolTip(f"{n} “{labels[i]}” image{'s' * (n != 1)} classified as “{labels[j]}” "
                                f"({100 * share:.0f} % of that class)")
                self.setItem(i, j, item)

    def counts(self) -> np.ndarray:
        k = self.rowCount()
        return np.array([[int(self.item(i, j).text()) for j in range(k)] for i in range(k)], dtype=np.int64)


class MistakesGrid(QListWidget):
    """Validation images the network got wrong, each captioned “true → predicted”."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("train-mistakes")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(MISTAKE_THUMB, MISTAKE_THUMB))
        self.setGridSize(QSize(MISTAKE_THUMB + 54, MISTAKE_THUMB + 34))
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setToolTip("Validation images misclassified after the latest epoch: true class → predicted class")

    def show_mistakes(self, data: Dataset, predictions: np.ndarray) -> int:
        self.clear()
        wrong = np.flatnonzero(predictions != data.y_val)
        for i in wrong[:MAX_MISTAKES]:
            true, said = data.labels[int(data.y_val[i])], data.labels[int(predictions[i])]
            item = QListWidgetItem(QIcon(thumbnail(data.x_val[i], MISTAKE_THUMB)), f"{true} → {said}")
            item.setToolTip(f"Validation image {int(i)}: a “{true}” the network took for a “{said}”")
            self.addItem(item)
        return len(wrong)
