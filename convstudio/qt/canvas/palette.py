"""The layer palette: every registered type grouped by family, searchable, dragged onto the canvas."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ... import layers
from .. import style
from .mime import layer_mime

TYPE_ROLE = Qt.ItemDataRole.UserRole


def swatch(colour: QColor, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(colour)
    painter.setPen(colour.darker(130))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


class PaletteTree(QTreeWidget):
    """The tree of types; a drag carries the type name in the app's layer MIME type."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("palette-tree")
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.setIconSize(QSize(12, 12))
        self.setIndentation(12)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)

    def startDrag(self, actions) -> None:
        item = self.currentItem()
        type_name = item.data(0, TYPE_ROLE) if item else None
        if not type_name:
            return
        drag = QDrag(self)
        drag.setMimeData(layer_mime(type_name))
        drag.setPixmap(self._drag_pixmap(type_name))
        if drag.exec(Qt.DropAction.CopyAction) == Qt.DropAction.CopyAction:
            self.clearSelection()  # the layer is on the canvas now; the canvas holds the selection

    def _drag_pixmap(self, type_name: str) -> QPixmap:
        colour = style.family_color(layers.get(type_name).family)
        metrics = self.fontMetrics()
        pixmap = QPixmap(metrics.horizontalAdvance(type_name) + 20, metrics.height() + 10)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(colour)
        painter.setPen(colour.darker(130))
        painter.drawRoundedRect(pixmap.rect().adjusted(0, 0, -1, -1), 5, 5)
        painter.setPen(style.WHITE)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, type_name)
        painter.end()
        return pixmap


class Palette(QWidget):
    """Search field + tree; `activated(type)` on double-click or Enter adds the type to the canvas."""

    activated = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("palette")
        self.search = QLineEdit(placeholderText="Search layers…", clearButtonEnabled=True)
        self.search.setObjectName("palette-search")
        self.search.setToolTip("Filter layer types by name, family or description")
        self.tree = PaletteTree()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._on_activated)

    def _fill(self) -> None:
        for family, types in layers.by_family().items():
            if not types:
                continue
            group = QTreeWidgetItem(self.tree, [family])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setForeground(0, style.family_color(family).darker(115))
            for decl in types:
                item = QTreeWidgetItem(group, [decl.name])
                item.setData(0, TYPE_ROLE, decl.name)
                item.setIcon(0, swatch(style.family_color(family)))
                item.setToolTip(0, f"<b>{decl.name}</b><br>{decl.summary}<br><i>Drag onto the canvas, "
                                   "or onto a connection to insert it there.</i>")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
                self.items[decl.name] = item
            group.setExpanded(True)

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                decl = layers.get(item.data(0, TYPE_ROLE))
                haystack = f"{decl.name} {decl.family} {decl.summary}".lower()
                hide = not all(w in haystack for w in words)
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)

    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.activated.emit(type_name)
