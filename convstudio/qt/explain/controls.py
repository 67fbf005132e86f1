"""Small widget factories shared by the explain views, so spin boxes and labels look and behave alike."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLayout, QScrollArea, QSizePolicy, QSpinBox, QSplitter, QVBoxLayout,
                               QWidget)


def spin(name: str, tip: str, minimum: int, maximum: int, value: int) -> QSpinBox:
    box = QSpinBox(objectName=name, minimum=minimum, maximum=maximum, keyboardTracking=False, toolTip=tip)
    box.setValue(value)
    return box


def labelled(letter: str, box: QWidget) -> QWidget:
    """`F [3]`: the teaching letter before its spin box, sharing the box's tooltip."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(3)
    label = QLabel(letter)
    label.setToolTip(box.toolTip())
    label.setBuddy(box)
    row.addWidget(label)
    row.addWidget(box)
    return holder


def rich_label(name: str, tip: str = "") -> QLabel:
    label = QLabel(objectName=name, wordWrap=True, toolTip=tip)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def scrolled(widget: QWidget, name: str = "") -> QScrollArea:
    area = QScrollArea(objectName=name)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def column_of(*widgets: QWidget) -> QWidget:
    """Widgets stacked at the top of a column (the text beside or under a view's picture)."""
    holder = QWidget()
    col = QVBoxLayout(holder)
    col.setContentsMargins(4, 0, 4, 0)
    for w in widgets:
        col.addWidget(w)
    col.addStretch(1)
    return holder


def row_of(*widgets, stretch_at: int | None = None) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for i, w in enumerate(widgets):
        if w is None:
            row.addStretch(1)
        else:
            row.addWidget(w, 1 if i == stretch_at else 0)
    return row


def explain_page(view: QWidget, picture: QWidget, text: QWidget, *rows: QWidget | QLayout) -> QSplitter:
    """The page every explain view shares: `rows` (the header first) above a splitter holding the
    picture and the text beside or below it (`follow_shape`); returns the splitter."""
    split = QSplitter(Qt.Orientation.Horizontal, childrenCollapsible=False)
    split.addWidget(picture)
    split.addWidget(text)
    top = QVBoxLayout(view)
    top.setContentsMargins(6, 4, 6, 4)
    top.setSpacing(4)
    for row in rows:
        if isinstance(row, QLayout):
            top.addLayout(row)
        else:
            top.addWidget(row)
    top.addWidget(split, 1)
    return split


def follow_shape(split: QSplitter, width: int, height: int, first: float, min_wide: int = 560) -> None:
    """Picture beside the text in a wide dock, above it in a tall one; re-share space when that flips."""
    wide = width > 1.2 * height and width >= min_wide
    orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
    if split.orientation() == orientation and split.property("shared"):
        return
    split.setOrientation(orientation)
    extent = width if wide else height
    split.setSizes([int(extent * first), int(extent * (1 - first))])
    split.setProperty("shared", True)


def show_text(label: QLabel, html: str) -> None:
    """Set a label's text and hide it when empty, so blank labels leave no gaps."""
    label.setText(html)
    label.setVisible(bool(html))


class FitScroll(QScrollArea):
    """Gives its widget the whole viewport, but never less than the widget's minimum size.

    Unlike `widgetResizable`, it ignores height-for-width (word-wrapped labels), so a view
    fills its dock exactly and scroll bars appear only when the dock is smaller than the
    view can be.
    """

    def __init__(self, widget: QWidget, name: str = ""):
        super().__init__(objectName=name)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # the view's minimum may have changed (a row shown or hidden, a flipped splitter)
        return super().eventFilter(obj, event)

    def _fit(self) -> None:
        w, vp = self.widget(), self.viewport().size()
        least = w.minimumSizeHint().expandedTo(w.minimumSize())
        w.resize(max(vp.width(), least.width()), max(vp.height(), least.height()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()


class WrapScroll(FitScroll):
    """Scrolls a column of word-wrapped text: the widget is as wide as the viewport and exactly as
    tall as its text needs at that width (QScrollArea's own resizing asks at a guessed width and
    leaves blank space or a needless scroll bar)."""

    def __init__(self, widget: QWidget, name: str = ""):
        super().__init__(widget, name)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _fit(self) -> None:
        w = self.widget()
        width = self.viewport().width()
        if w.hasHeightForWidth():  # not minimumSizeHint: that is the height at the narrowest width
            height = w.heightForWidth(width)
        else:
            height = max(w.sizeHint().height(), w.minimumSizeHint().height())
        w.resize(width, max(height, self.viewport().height()))
