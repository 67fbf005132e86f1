"""The canvas view: zoom, pan, rubber-band selection, and drops from the palette or the file manager."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsView

from .. import style
from .mime import LAYER_MIME, json_paths
from .scene import CanvasScene

MIN_ZOOM, MAX_ZOOM = 0.1, 4.0
STEP = 1.2
READABLE = 0.85  # below this zoom card text gets hard to read; opening a file never goes lower


class CanvasView(QGraphicsView):
    layer_dropped = Signal(str, QPointF)  # layer type name, scene position
    files_dropped = Signal(list)          # paths of .json files
    zoom_changed = Signal(float)

    def __init__(self, scene: CanvasScene, parent=None):
        super().__init__(scene, parent)
        self.setObjectName("canvas")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self._space = False
        self._pan_from: QPointF | None = None

    # -- zoom --------------------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = min(max(factor, MIN_ZOOM), MAX_ZOOM)
        self.scale(factor / self.zoom(), factor / self.zoom())
        self.zoom_changed.emit(self.zoom())

    def zoom_by(self, steps: float) -> None:
        self.set_zoom(self.zoom() * STEP ** steps)

    def zoom_in(self) -> None:
        self._centred(lambda: self.zoom_by(1))

    def zoom_out(self) -> None:
        self._centred(lambda: self.zoom_by(-1))

    def reset_zoom(self) -> None:
        self._centred(lambda: self.set_zoom(1.0))

    def _centred(self, action) -> None:
        """Keyboard zooms keep the middle of the view in place (the wheel keeps the pointer's spot)."""
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        try:
            action()
        finally:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)

    def fit_all(self, max_zoom: float = 1.5) -> None:
        """Show the whole network (F)."""
        rect = self.scene().network_rect().adjusted(-30, -30, 30, 30)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > max_zoom:
            self.set_zoom(max_zoom)
            self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def show_network(self) -> None:
        """After opening: fit if that stays readable, else readable zoom at the top (the inputs)."""
        rect = self.scene().network_rect().adjusted(-30, -30, 30, 30)
        view = self.viewport().rect()
        fit = min(view.width() / max(rect.width(), 1), view.height() / max(rect.height(), 1))
        if fit >= READABLE:
            self.fit_all(max_zoom=1.0)
            return
        self.set_zoom(min(1.0, max(READABLE, fit)))
        half_height = view.height() / 2 / self.zoom()
        self.centerOn(QPointF(rect.center().x(), rect.top() + half_height))

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(delta / 120)
        event.accept()

    # -- pan: middle button, or space + left button ----------------------------------------------------
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        pan = event.button() == Qt.MouseButton.MiddleButton or (
            self._space and event.button() == Qt.MouseButton.LeftButton)
        if pan:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- drops ---------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME) or json_paths(mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME):
            self.scene().highlight_edge(self.scene().edge_at(self.mapToScene(event.position().toPoint())))
            event.acceptProposedAction()
        elif json_paths(mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self.scene().highlight_edge(None)
        event.accept()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        self.scene().highlight_edge(None)
        if mime.hasFormat(LAYER_MIME):
            type_name = bytes(mime.data(LAYER_MIME).data()).decode("utf-8")
            event.acceptProposedAction()
            self.layer_dropped.emit(type_name, self.mapToScene(event.position().toPoint()))
        elif paths := json_paths(mime):
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            event.ignore()

    # -- background grid ---------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.CANVAS)
        if self.zoom() < 0.35:
            return
        step = 40.0
        painter.setPen(QPen(style.CANVAS_GRID, 0))
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

    def visible_centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

