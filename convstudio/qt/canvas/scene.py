"""The scene mirrors the graph: one NodeItem per layer, one EdgeItem per connection.

It keeps no state of its own beyond selection: positions, ids and shapes come from the
document's network and report, and every change arrives as a `Change` from the
document. Touched items are updated in place (never recreated), so a card being dragged
keeps its mouse grab while MoveNodes commands stream in.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsScene

from ...graph import Change
from ...layers import fmt_shape
from ..document.document import Document
from ..messages import guarded, notify
from .drags import MoveDrag, WireDrag
from .edge_item import EdgeItem, EdgeKey, curve
from .node_item import HEIGHT, PORT_RADIUS, WIDTH, NodeItem, node_face

MARGIN = 1500.0
LANE_SAMPLES = 24          # points of a connection checked for cards in its way
LANE_CLEARANCE = 26.0      # how far a connection bypassing cards keeps beside them
ROW_CLEARANCE = 2 * HEIGHT  # ports closer than this have no room for a card between them


class CanvasScene(QGraphicsScene):
    connected = Signal(str)  # target id of a connection made by dragging a wire

    def __init__(self, doc: Document, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[EdgeKey, EdgeItem] = {}
        self._move: MoveDrag | None = None
        self._wire: WireDrag | None = None
        self._shown_report = None  # the report the cards currently show
        doc.changed.connect(self.on_change)
        self.rebuild()

    # -- following the graph ------------------------------------------------------------------
    def rebuild(self) -> None:
        for item in list(self.nodes.values()) + list(self.edges.values()):
            self.removeItem(item)
        self.nodes.clear()
        self.edges.clear()
        self._shown_report = None
        self.setSceneRect(QRectF())  # another network: forget the old one's extent
        for node in self.doc.net:
            self._add_node(node.id)
        self._sync_structure()

    @guarded
    def on_change(self, change: Change) -> None:
        if change.reset:
            self.rebuild()
            return
        net = self.doc.net
        for nid in change.ids:
            if nid in net:
                item = self.nodes.get(nid) or self._add_node(nid)
                item.setPos(*net.node(nid).position)
            elif nid in self.nodes:
                self.removeItem(self.nodes.pop(nid))
        if change.structural:
            self._sync_structure(change.ids)
        else:
            self._reroute(change.ids)
            self._grow_scene_rect(change.ids)

    def _add_node(self, nid: str) -> NodeItem:
        item = NodeItem(nid)
        self.nodes[nid] = item
        self.addItem(item)
        item.setPos(*self.doc.net.node(nid).position)
        return item

    def _sync_structure(self, touched=None) -> None:
        """Refresh the cards' faces and the set of edges: shapes anywhere downstream may have changed.

        Cards are redrawn only when touched or when their inference result changed (a parameter
        edit re-infers only what it changes, so the other cards keep the very same result);
        an edge's label is worked out again only when its source's result changed, and edges are
        re-routed only when new, relabelled or attached to a touched card (None = all).
        """
        net, report = self.doc.net, self.doc.report
        before = self._shown_report.nodes if self._shown_report is not None else {}
        changed = set()
        for node in net:
            rep = report.nodes.get(node.id)
            old = before.get(node.id)
            if touched is None or node.id in touched or (old is not rep and old != rep):
                self.nodes[node.id].set_face(node_face(node, rep))
                changed.add(node.id)
        self._shown_report = report
        wanted = set(net.edges())
        for key in [k for k in self.edges if k not in wanted]:
            self.removeItem(self.edges.pop(key))
        routed = []
        for key in wanted:
            edge = self.edges.get(key)
            fresh = edge is None
            if not fresh and key[0] not in changed and key[1] not in changed:
                continue  # neither end changed: same label, same route
            if fresh:
                edge = self.edges[key] = EdgeItem(key)
                self.addItem(edge)
            src = report.nodes.get(key[0])
            label = fmt_shape(src.shape) if src else "?"
            if fresh or label != edge.label or touched is None or key[0] in touched or key[1] in touched:
                edge.set_label(label)
                routed.append(edge)
        self._route(routed)
        self._grow_scene_rect(None if touched is None else [*touched, *routed])

    def _reroute(self, ids) -> None:
        self._route([edge for key, edge in self.edges.items() if key[0] in ids or key[1] in ids])

    def _route(self, edges: list[EdgeItem]) -> None:
        """Re-route `edges`, then keep the labels of the wires meeting at a merge apart (once per merge)."""
        net = self.doc.net
        merges = set()
        for edge in edges:
            src, dst, slot = edge.key
            inputs = net.node(dst).inputs
            end = self.nodes[dst].input_anchor(slot, len(inputs))
            p0, p1 = self.nodes[src].output_anchor(), QPointF(end.x(), end.y() - PORT_RADIUS - 1)
            edge.set_route(p0, p1, self._lane_beside(p0, p1, src, dst))
            if len(inputs) > 1:
                merges.add(dst)
        for dst in merges:
            self._spread_labels(dst, net.node(dst).inputs)

    def _spread_labels(self, dst: str, inputs: list[str]) -> None:
        """The wires into a merge meet at its top: keep their labels off each other and off the cards."""
        placed: list[QRectF] = []
        for slot, src in enumerate(inputs):
            edge = self.edges.get((src, dst, slot))
            if edge is None:
                continue
            edge.move_label(lambda r: not any(r.intersects(p) for p in placed) and not any(
                isinstance(i, NodeItem) for i in self.items(r)), shown=src not in inputs[:slot])
            if edge.label_shown:
                placed.append(edge.label_rect)

    def _lane_beside(self, p0: QPointF, p1: QPointF, src: str, dst: str) -> float | None:
        """None when the direct curve meets no other card; else an x beside the cards it would cross, on the
        side of the input port it enters (a residual connection to an Add's second input runs on the right)."""
        if p1.y() - p0.y() < ROW_CLEARANCE:
            return None  # a climbing or sideways edge routes itself (`curve`); a short one crosses nothing
        path = curve(p0, p1)
        near = [item for item in self.items(path.boundingRect())
                if isinstance(item, NodeItem) and item.node_id not in (src, dst)]
        if not near:
            return None
        points = [path.pointAtPercent(i / LANE_SAMPLES) for i in range(1, LANE_SAMPLES)]
        crossed = [c for c in near if any(c.sceneBoundingRect().contains(p) for p in points)]
        if not crossed:
            return None
        cards = [c.sceneBoundingRect() for c in crossed] + [self.nodes[n].sceneBoundingRect() for n in (src, dst)]
        if p1.x() >= self.nodes[dst].sceneBoundingRect().center().x():
            return max(r.right() for r in cards) + LANE_CLEARANCE
        return min(r.left() for r in cards) - LANE_CLEARANCE

    def _grow_scene_rect(self, moved=None) -> None:
        """Room to scroll around the network, never shrinking under the user's view."""
        if moved is not None:  # ids of cards, or edge items, that moved or changed
            bounds = QRectF()
            for what in moved:
                item = self.nodes.get(what) if isinstance(what, str) else what
                if item is not None:
                    bounds = bounds.united(item.sceneBoundingRect())
        else:
            bounds = self.network_rect()
        bounds.adjust(-MARGIN, -MARGIN, MARGIN, MARGIN)
        current = self.sceneRect()
        if current.isEmpty() or not current.contains(bounds):
            self.setSceneRect(current.united(bounds) if not current.isEmpty() else bounds)

    def network_rect(self) -> QRectF:
        """What the cards and wires cover (the whole network), in scene coordinates."""
        rect = self.itemsBoundingRect()
        return rect if not rect.isEmpty() else QRectF(0, 0, WIDTH, HEIGHT)

    # -- selection --------------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [nid for nid in self.doc.net.ids() if nid in chosen]

    def selected_edges(self) -> list[EdgeKey]:
        return [i.key for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def select_ids(self, ids) -> None:
        wanted = set(ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for nid in wanted:
                if nid in self.nodes:
                    self.nodes[nid].setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    # -- hit tests ------------------------------------------------------------------------------------
    def node_id_at(self, pos: QPointF) -> str | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item.node_id
        return None

    def edge_at(self, pos: QPointF) -> EdgeKey | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return None
            if isinstance(item, EdgeItem):
                return item.key
        return None

    def highlight_edge(self, key: EdgeKey | None) -> None:
        for k, edge in self.edges.items():
            edge.set_highlight(k == key)

    # -- mouse: wires and moves -------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._start_wire(event.scenePos()):
            event.accept()
            return
        if event.button() == Qt.MouseButton.RightButton:
            self._select_for_menu(event.scenePos())
            event.accept()  # or the view would start a rubber band and clear the selection
            return
        super().mousePressEvent(event)
        grabbed = self.mouseGrabberItem()
        if event.button() == Qt.MouseButton.LeftButton and isinstance(grabbed, NodeItem):
            ids = set(self.selected_ids()) | {grabbed.node_id}
            self._move = MoveDrag(self.doc, [i for i in self.doc.net.ids() if i in ids], event.scenePos())

    def _select_for_menu(self, pos: QPointF) -> None:
        """A right-click acts on what is under the pointer (the view then shows the edit menu)."""
        nid = self.node_id_at(pos)
        if nid is not None and nid not in self.selected_ids():
            self.select_ids([nid])
        elif nid is None:
            edge = self.edge_at(pos)
            if edge is not None and edge not in self.selected_edges():
                self.clearSelection()
                self.edges[edge].setSelected(True)

    def _start_wire(self, pos: QPointF) -> bool:
        nid = self.node_id_at(pos)
        port = self.nodes[nid].port_at(pos) if nid else None
        if port is None:
            return False
        item = self.nodes[nid]
        start = item.output_anchor() if port == "out" else item.input_anchor(0, 1)
        self._wire = WireDrag(self, nid, port == "out", start)
        return True

    def mouseMoveEvent(self, event) -> None:
        if self._wire is not None:
            self._wire.update(event.scenePos())
        elif self._move is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._drag_to(event.scenePos())
        else:
            super().mouseMoveEvent(event)

    @guarded
    def _drag_to(self, pos: QPointF) -> None:
        self._move.update(pos)

    def mouseReleaseEvent(self, event) -> None:
        if self._wire is not None:
            wire, self._wire = self._wire, None
            self._finish_wire(wire, event.scenePos())
            event.accept()
            return
        self._move = None
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self._wire is not None:
            self._wire.cancel()
            self._wire = None
            notify("Connection cancelled.")
            event.accept()
            return
        super().keyPressEvent(event)

    @guarded
    def _finish_wire(self, wire: WireDrag, pos: QPointF) -> None:
        try:
            target = wire.finish(pos)
        finally:
            wire.cancel()
        if target is None:
            notify("Drop the wire on another layer to connect them.", "info")
        else:
            notify(f"Connected {self.doc.net.node(target).inputs[-1]} → {target}.", "info")
            self.connected.emit(target)
