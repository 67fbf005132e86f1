"""One layer on the canvas: a card with id, type, key parameters, output shape and parameter count.

The card draws a `NodeFace` — plain data computed from the graph node and its inference
report — so the item never holds anything the graph and report do not.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QToolTip

from ... import layers
from ...engine.infer import NodeReport
from ...engine.numbers import short
from ...graph import Node
from ...layers import fmt_shape
from .. import style

WIDTH, HEIGHT, HEADER = 190.0, 62.0, 21.0
PORT_RADIUS = 6.0
PORT_HIT = 11.0
BADGE_RADIUS = 8.0


def badge_centre() -> QPointF:
    """The problem badge sits on the card's top-left corner, over neither the id nor the type name."""
    return QPointF(-3.0, -3.0)
SLOT_SPACING = 26.0


def card_font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


@dataclass(frozen=True)
class NodeFace:
    node_id: str
    type_name: str
    family: str
    settings: str
    shape: str
    params: str
    status: str | None  # None, "warning" or "error"
    tooltip: str
    takes_inputs: bool
    input_count: int


def node_face(node: Node, rep: NodeReport | None) -> NodeFace:
    """Everything the card shows, in the app's notation (K64 F3 S1 P1, C×H×W)."""
    decl = layers.get(node.type)
    errors = rep.errors if rep else []
    warnings = rep.warnings if rep else []
    status = "error" if errors else "warning" if warnings else None
    shape = fmt_shape(rep.shape) if rep and rep.shape else "?"
    params = "" if rep is None or rep.params is None else f"{short(rep.params)} params"
    settings = "" if decl.is_input else decl.key_params(node.params)  # its shape is the next line
    return NodeFace(node.id, node.type, decl.family, settings, shape, params, status,
                    _tooltip(node, decl, rep), decl.max_inputs != 0, len(node.inputs))


def _tooltip(node: Node, decl, rep: NodeReport | None) -> str:
    lines = [f"<b>{escape(node.id)}</b> — {escape(node.type)}", escape(decl.summary)]
    if rep is not None:
        if rep.shape is not None:
            lines.append(f"Output {fmt_shape(rep.shape)}, {rep.params or 0:,} parameters, {rep.macs or 0:,} MACs")
        for d in rep.errors:
            lines.append(f"<span style='color:{style.ERROR.name()}'><b>Error:</b> {escape(d.text)}</span>")
        for d in rep.warnings:
            lines.append(f"<span style='color:{style.WARNING_TEXT}'><b>Warning:</b> {escape(d.text)}</span>")
        if rep.blocked_by:
            lines.append(f"Shape unknown until <b>{escape(rep.blocked_by)}</b> is fixed.")
    return "<br>".join(lines)


class NodeItem(QGraphicsItem):
    """Selectable but not movable: moving is a MoveNodes command pushed by the scene."""

    def __init__(self, node_id: str):
        super().__init__()
        self.node_id = node_id
        self.face: NodeFace | None = None
        self.hover_port: str | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(2)

    # -- content ---------------------------------------------------------------------------
    def set_face(self, face: NodeFace) -> None:
        if face == self.face:
            return
        self.face = face
        self.node_id = face.node_id
        self.setToolTip(face.tooltip)
        if self.isUnderMouse() and QToolTip.isVisible():  # an open tooltip would go on showing the old shape
            QToolTip.showText(QCursor.pos(), face.tooltip)
        self.update()

    # -- geometry ------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        m = max(PORT_RADIUS + 5, BADGE_RADIUS + 5)  # the ports and the problem badge stick out
        return QRectF(-m, -m, WIDTH + 2 * m, HEIGHT + 2 * m)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)  # ports overlap the card; odd-even would punch holes
        path.addRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), 6, 6)
        for centre in (self._in_centre(), self._out_centre()):
            path.addEllipse(centre, PORT_HIT, PORT_HIT)
        return path

    def _in_centre(self) -> QPointF:
        return QPointF(WIDTH / 2, 0)

    def _out_centre(self) -> QPointF:
        return QPointF(WIDTH / 2, HEIGHT)

    def input_anchor(self, slot: int, count: int) -> QPointF:
        """Where edge `slot` of `count` ends on the top edge (spread out for Concat/Add)."""
        offset = (slot - (count - 1) / 2) * SLOT_SPACING if count > 1 else 0.0
        return self.mapToScene(QPointF(WIDTH / 2 + offset, 0))

    def output_anchor(self) -> QPointF:
        return self.mapToScene(self._out_centre())

    def port_at(self, scene_pos: QPointF) -> str | None:
        """"in" or "out" when `scene_pos` is on a port, else None."""
        p = self.mapFromScene(scene_pos)
        if _near(p, self._out_centre()):
            return "out"
        if self.face and self.face.takes_inputs and _near(p, self._in_centre()):
            return "in"
        return None

    # -- hover ---------------------------------------------------------------------------------
    def hoverMoveEvent(self, event) -> None:
        port = self.port_at(event.scenePos())
        if port != self.hover_port:
            self.hover_port = port
            self.setCursor(Qt.CursorShape.CrossCursor if port else Qt.CursorShape.ArrowCursor)
            self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.clear_hover()

    def clear_hover(self) -> None:
        """Drop the port highlight; a wire drag grabs the mouse, so no hover-leave ends it."""
        if self.hover_port is not None:
            self.hover_port = None
            self.update()
        self.unsetCursor()

    # -- painting ------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option, widget=None) -> None:
        face = self.face
        if face is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = style.family_color(face.family)
        body = QPainterPath()
        body.addRoundedRect(QRectF(0, 0, WIDTH, HEIGHT), 6, 6)
        painter.fillPath(body, style.tint(colour, 0.10))
        header = QPainterPath()
        header.addRect(QRectF(0, 0, WIDTH, HEADER))
        painter.fillPath(body.intersected(header), colour)
        self._paint_outline(painter, body, colour, bool(option.state & QStyle.StateFlag.State_Selected))
        self._paint_text(painter, face)
        self._paint_ports(painter, face, colour)

    def _paint_outline(self, painter: QPainter, body: QPainterPath, colour: QColor, selected: bool) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if selected:
            painter.setPen(QPen(style.SELECTED, 2.5))
            painter.drawRoundedRect(QRectF(-4, -4, WIDTH + 8, HEIGHT + 8), 9, 9)
        painter.setPen(QPen(colour.darker(130), 1))
        painter.drawPath(body)
        status = self.face.status
        if status is not None:
            # A problem is drawn in a shape of its own, not only a colour: amber is too close to the
            # orange of a Conv2D card. A dashed frame just outside the card and a badge on its corner.
            alert = style.ERROR if status == "error" else style.WARNING
            pen = QPen(alert, 2.5, Qt.PenStyle.SolidLine if status == "error" else Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRoundedRect(QRectF(-1.5, -1.5, WIDTH + 3, HEIGHT + 3), 7, 7)
            self._paint_badge(painter, alert, "!" if status == "warning" else "×")

    def _paint_badge(self, painter: QPainter, alert: QColor, glyph: str) -> None:
        centre = badge_centre()
        painter.setPen(QPen(style.WHITE, 1.5))
        painter.setBrush(alert)
        painter.drawEllipse(centre, BADGE_RADIUS, BADGE_RADIUS)
        painter.setFont(card_font(11, True))
        painter.setPen(style.WHITE if glyph == "×" else style.INK)
        painter.drawText(QRectF(centre.x() - BADGE_RADIUS, centre.y() - BADGE_RADIUS, 2 * BADGE_RADIUS,
                                2 * BADGE_RADIUS), Qt.AlignmentFlag.AlignCenter, glyph)

    def _paint_text(self, painter: QPainter, face: NodeFace) -> None:
        pad = 8.0
        type_font, id_font, body_font = card_font(11), card_font(12, True), card_font(12)
        type_width = QFontMetrics(type_font).horizontalAdvance(face.type_name)
        painter.setPen(style.WHITE)
        painter.setFont(type_font)
        painter.drawText(QRectF(WIDTH - pad - type_width, 0, type_width, HEADER),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, face.type_name)
        painter.setFont(id_font)
        id_text = QFontMetrics(id_font).elidedText(face.node_id, Qt.TextElideMode.ElideRight,
                                                    int(WIDTH - 3 * pad - type_width))
        painter.drawText(QRectF(pad, 0, WIDTH, HEADER), Qt.AlignmentFlag.AlignVCenter, id_text)
        painter.setFont(body_font)
        painter.setPen(style.CARD_TEXT)
        metrics = QFontMetrics(body_font)
        settings = metrics.elidedText(face.settings or face_hint(face), Qt.TextElideMode.ElideRight,
                                      int(WIDTH - 2 * pad))
        painter.drawText(QRectF(pad, HEADER + 2, WIDTH - 2 * pad, 18), Qt.AlignmentFlag.AlignVCenter, settings)
        self._paint_shape_line(painter, face, pad)

    def _paint_shape_line(self, painter: QPainter, face: NodeFace, pad: float) -> None:
        row = QRectF(pad, HEADER + 20, WIDTH - 2 * pad, 18)
        room = row.width() - QFontMetrics(card_font(12, True)).horizontalAdvance(face.shape) - 8
        small = QFontMetrics(card_font(11))
        params = next((t for t in (face.params, face.params.replace(" params", ""))
                       if small.horizontalAdvance(t) <= room), "")  # a long shape keeps the line to itself
        painter.setPen(QColor(style.MUTED_TEXT))
        painter.setFont(card_font(11))
        painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, params)
        painter.setFont(card_font(12, True))
        painter.setPen(style.ERROR if face.shape == "?" else style.INK)
        painter.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, face.shape)

    def _paint_ports(self, painter: QPainter, face: NodeFace, colour: QColor) -> None:
        ports = [("out", self._out_centre())]
        if face.takes_inputs:
            ports.append(("in", self._in_centre()))
        for name, centre in ports:
            hot = name == self.hover_port
            painter.setPen(QPen(colour.darker(120), 1.5))
            painter.setBrush(QBrush(colour if hot else style.WHITE))
            r = PORT_RADIUS + (1.5 if hot else 0)
            painter.drawEllipse(centre, r, r)


def face_hint(face: NodeFace) -> str:
    """Second line for layers without settings: what they do, briefly."""
    decl = layers.get(face.type_name)
    return decl.card_hint or ("element-wise" if decl.elementwise else "")


def _near(a: QPointF, b: QPointF) -> bool:
    d = a - b
    return d.x() * d.x() + d.y() * d.y() <= PORT_HIT * PORT_HIT
