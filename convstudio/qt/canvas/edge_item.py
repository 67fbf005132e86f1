"""One connection on the canvas: a cubic curve from an output port to an input port with the
tensor shape written on it, selectable so it can be deleted (Disconnect)."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyle

from .. import style
from .node_item import WIDTH, card_font

EdgeKey = tuple[str, str, int]  # (source id, target id, input slot)
HIT_WIDTH = 12.0
CLEARANCE = 28.0  # how far a climbing edge keeps beside the cards
TURN = 48.0       # how far it swings below its source and above its target
LABEL_PLACES = (0.5, 0.35, 0.65, 0.25, 0.75, 0.15)  # where along a wire its label may go, best first


def curve(p0: QPointF, p1: QPointF) -> QPainterPath:
    """A vertical S-curve; an edge that climbs back up leaves downwards, runs up beside both cards
    and enters from above, so it never hides under the cards it joins."""
    path = QPainterPath(p0)
    dy = p1.y() - p0.y()
    if dy >= -20:
        bend = max(abs(dy) / 2, 40.0)
        path.cubicTo(QPointF(p0.x(), p0.y() + bend), QPointF(p1.x(), p1.y() - bend), p1)
        return path
    clear = WIDTH / 2 + CLEARANCE
    x = max(p0.x(), p1.x()) + clear if p1.x() >= p0.x() else min(p0.x(), p1.x()) - clear
    path.cubicTo(QPointF(p0.x(), p0.y() + TURN), QPointF(x, p0.y() + TURN), QPointF(x, p0.y()))
    path.lineTo(QPointF(x, p1.y()))
    path.cubicTo(QPointF(x, p1.y() - TURN), QPointF(p1.x(), p1.y() - TURN), p1)
    return path


def bypass(p0: QPointF, p1: QPointF, x: float) -> QPainterPath:
    """Down past cards that sit between the two ports (a skip connection in a column): leave downwards,
    run at `x` beside them and enter from above, so neither the wire nor its label hides under a card."""
    path = QPainterPath(p0)
    turn = min(TURN, (p1.y() - p0.y()) / 3)
    path.cubicTo(QPointF(p0.x(), p0.y() + turn), QPointF(x, p0.y()), QPointF(x, p0.y() + turn))
    path.lineTo(QPointF(x, p1.y() - turn))
    path.cubicTo(QPointF(x, p1.y()), QPointF(p1.x(), p1.y() - turn), p1)
    return path


class EdgeItem(QGraphicsItem):
    def __init__(self, key: EdgeKey):
        super().__init__()
        self.key = key
        self.path = QPainterPath()
        self.label = ""
        self.label_rect = QRectF()
        self.label_shown = True
        self.highlight = False
        self._hover = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setToolTip(f"{key[0]} → {key[1]} (input {key[2] + 1}); select and press Delete to disconnect")

    def set_route(self, p0: QPointF, p1: QPointF, beside: float | None = None) -> None:
        """`beside`: the x of a lane clear of the cards between the ports, when the direct curve crosses some."""
        self.prepareGeometryChange()
        self.path = curve(p0, p1) if beside is None else bypass(p0, p1, beside)
        self._place_label()

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.prepareGeometryChange()
            self.label = text
            self._place_label()
            self.update()

    def _place_label(self, at: float = 0.5) -> None:
        self.label_shown = True
        metrics = QFontMetrics(card_font(11))
        w, h = metrics.horizontalAdvance(self.label) + 10, metrics.height() + 2
        mid = self.path.pointAtPercent(at)
        self.label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)

    def move_label(self, clear: Callable[[QRectF], bool], shown: bool = True) -> None:
        """Slide the label along the wire to the first place where `clear` holds (else leave it mid-way):
        the wires into an Add or Concat meet, and their labels would sit on one another. Not `shown`: a
        second wire from the same layer carries the same tensor, already labelled on the first."""
        self.label_shown = shown
        if not shown:
            self.prepareGeometryChange()
            self.label_rect = QRectF(self.path.pointAtPercent(0.5), self.path.pointAtPercent(0.5))  # on the wire
            self.update()
            return
        for at in LABEL_PLACES:
            self._place_label(at)
            if clear(self.label_rect):
                break
        else:
            self._place_label()
        self.prepareGeometryChange()
        self.update()

    def set_highlight(self, on: bool) -> None:
        """Marks the edge a dragged layer would be inserted into."""
        if on != self.highlight:
            self.highlight = on
            self.update()

    def boundingRect(self) -> QRectF:
        return self.path.boundingRect().united(self.label_rect).adjusted(-8, -8, 8, 8)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        hit = stroker.createStroke(self.path)
        hit.setFillRule(Qt.FillRule.WindingFill)  # the label overlaps the stroke
        hit.addRect(self.label_rect)
        return hit

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = style.SELECTED if selected or self.highlight else style.EDGE.darker(125) if self._hover else style.EDGE
        width = 3.0 if selected or self.highlight else 1.8
        painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path)
        self._paint_arrow(painter, colour)
        self._paint_label(painter, colour if selected or self.highlight else style.LABEL_EDGE)

    def _paint_arrow(self, painter: QPainter, colour: QColor) -> None:
        tip = self.path.pointAtPercent(1.0)
        back = self.path.pointAtPercent(0.97)
        d = tip - back
        length = max((d.x() ** 2 + d.y() ** 2) ** 0.5, 1e-6)
        ux, uy = d.x() / length, d.y() / length
        base = QPointF(tip.x() - ux * 9, tip.y() - uy * 9)
        left = QPointF(base.x() - uy * 4.5, base.y() + ux * 4.5)
        right = QPointF(base.x() + uy * 4.5, base.y() - ux * 4.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([tip, left, right]))

    def _paint_label(self, painter: QPainter, border: QColor) -> None:
        if not self.label or not self.label_shown:
            return
        painter.setPen(QPen(border, 1))
        painter.setBrush(style.LABEL_BACK)
        painter.drawRoundedRect(self.label_rect, 4, 4)
        painter.setFont(card_font(11))
        painter.setPen(style.LABEL_TEXT if self.label != "?" else style.ERROR)
        painter.drawText(self.label_rect, Qt.AlignmentFlag.AlignCenter, self.label)
