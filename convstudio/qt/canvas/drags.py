"""Mouse gestures on the canvas that become graph commands: moving cards and drawing wires."""
from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from ...errors import GraphError
from ...graph import Connect, MoveNodes, check_connect
from .. import style
from ..document.document import Document
from .edge_item import curve

_drag_serial = itertools.count()
MOVE_THRESHOLD = 3.0


class MoveDrag:
    """Moves the selected cards by pushing MoveNodes; every step of one drag merges into one undo step."""

    def __init__(self, doc: Document, ids: list[str], press: QPointF):
        self.doc = doc
        self.start = {i: doc.net.node(i).position for i in ids if i in doc.net}
        self.press = press
        self.token = ("drag", next(_drag_serial))
        self.moved = False

    def update(self, pos: QPointF) -> None:
        dx, dy = round(pos.x() - self.press.x()), round(pos.y() - self.press.y())
        if not self.moved and abs(dx) + abs(dy) < MOVE_THRESHOLD:
            return
        self.moved = True
        if not self.start:
            return
        targets = {i: (x + dx, y + dy) for i, (x, y) in self.start.items()}
        self.doc.push(MoveNodes(targets, merge=True), token=self.token)


class WireDrag:
    """A dashed wire from a port to the pointer; releasing it on another card connects them.

    Dragging from an output port connects into the card it is dropped on; dragging from
    an input port connects from the dropped-on card's output.
    """

    def __init__(self, scene, node_id: str, from_output: bool, start: QPointF):
        self.scene, self.node_id, self.from_output, self.start = scene, node_id, from_output, start
        self.item = QGraphicsPathItem()
        self.item.setZValue(5)
        self.item.setPen(self._pen(style.SELECTED))
        scene.addItem(self.item)
        self.update(start)

    @staticmethod
    def _pen(colour: QColor) -> QPen:
        return QPen(colour, 2.2, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)

    def endpoints(self, target: str | None) -> tuple[str, str] | None:
        if target is None or target == self.node_id:
            return None
        return (self.node_id, target) if self.from_output else (target, self.node_id)

    def update(self, pos: QPointF) -> None:
        ends = self.endpoints(self.scene.node_id_at(pos))
        colour = style.SELECTED
        if ends is not None:
            try:
                check_connect(self.scene.doc.net, *ends)
                colour = style.OK_TEXT
            except GraphError:
                colour = style.ERROR
        self.item.setPen(self._pen(colour))
        self.item.setPath(curve(self.start, pos) if self.from_output else curve(pos, self.start))

    def finish(self, pos: QPointF) -> str | None:
        """Push Connect for the card under `pos`; returns the new edge's target, None if dropped on nothing."""
        self.cancel()
        ends = self.endpoints(self.scene.node_id_at(pos))
        if ends is None:
            return None
        self.scene.doc.push(Connect(*ends))
        return ends[1]

    def cancel(self) -> None:
        if self.item.scene() is not None:
            self.scene.removeItem(self.item)
        for card in self.scene.nodes.values():  # the port the drag started from stays lit otherwise
            card.clear_hover()
