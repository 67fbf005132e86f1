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
from .edge_item import EdgeItem, EdgeKey
from .node_item import HEIGHT, PORT_RADIUS, WIDTH, NodeItem, node_face

MARGIN = 1500.0


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
                self._route(edge)
                routed.append(edge)
        self._grow_scene_rect(None if touched is None else [*touched, *routed])

    def _reroute(self, ids) -> None:
        for key, edge in self.edges.items():
            if key[0] in ids or key[1] in ids:
                self._route(edge)

    def _route(self, edge: EdgeItem) -> None:
        src, dst, slot = edge.key
        target = self.nodes[dst]
        end = target.input_anchor(slot, len(self.doc.net.node(dst).inputs))
        edge.set_route(self.nodes[src].output_anchor(), QPointF(end.x(), end.y() - PORT_RADIUS - 1))

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
