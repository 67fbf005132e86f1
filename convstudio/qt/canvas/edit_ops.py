"""Edit-menu operations on the canvas selection, each one undoable command.

Refusals (a cycle, an arity limit, an empty clipboard) come back as GraphError and are
shown in the status bar by `guarded`.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF

from ...errors import GraphError
from ...graph import (AddNode, Command, Disconnect, InsertOnEdge, Macro, MoveNodes, RemoveNodes,
                     layered_positions)
from ...graph.layout import ROW
from ...layers import get
from . import clipboard
from .node_item import HEIGHT, WIDTH
from .scene import CanvasScene
from .view import CanvasView
from ..document.document import Document
from ..messages import guarded, notify

PASTE_STEP = 230.0  # one layout column: pasted cards land beside the originals, not on top


class CanvasEdits:
    def __init__(self, doc: Document, scene: CanvasScene, view: CanvasView):
        self.doc, self.scene, self.view = doc, scene, view

    # -- adding layers --------------------------------------------------------------------------------
    @guarded
    def drop_layer(self, type_name: str, pos: QPointF) -> None:
        """A palette drop: on a connection it is inserted there, elsewhere it is added at the pointer."""
        get(type_name)  # unknown names fail here with the list of known types
        corner = (round(pos.x() - WIDTH / 2), round(pos.y() - HEIGHT / 2))
        edge = self.scene.edge_at(pos)
        if edge is not None:
            x, y = self.doc.net.node(edge[0]).position
            insert = InsertOnEdge(type_name, edge[1], edge[2], position=(x, y + ROW))
            room = self._make_room_below(edge[0])
            self.doc.push(Macro(insert.text, [insert] + ([MoveNodes(room)] if room else [])))
            new_id = insert.add.node_id
            notify(f"Inserted {new_id} between {edge[0]} and {edge[1]}.")
            self.scene.select_ids([new_id])
            self.view.ensureVisible(self.scene.nodes[new_id])
            return
        new_id = self.doc.push(AddNode(type_name, position=corner)).node_id
        notify(f"Added {new_id}. Drag from its bottom port to connect it.")
        self.scene.select_ids([new_id])

    def _make_room_below(self, src: str) -> dict[str, tuple[float, float]]:
        """One row down for every card below `src` in its column, so the card inserted right under `src`
        lands on free space however short the connection was or wherever it was dropped on it."""
        net = self.doc.net
        x, top = net.node(src).position
        return {n.id: (n.position[0], n.position[1] + ROW) for n in net
                if n.position[1] > top and abs(n.position[0] - x) < WIDTH}

    @guarded
    def add_below_selection(self, type_name: str) -> None:
        """Double-click in the palette: add after the one selected layer, or in the middle of the view."""
        ids = self.scene.selected_ids()
        takes_inputs = get(type_name).max_inputs != 0
        if len(ids) == 1 and takes_inputs:
            x, y = self.doc.net.node(ids[0]).position
            cmd = self.doc.push(AddNode(type_name, position=(x, y + 110), inputs=[ids[0]]))
        else:
            centre = self.view.visible_centre()
            cmd = self.doc.push(AddNode(type_name, position=(round(centre.x() - WIDTH / 2),
                                                              round(centre.y() - HEIGHT / 2))))
        self.scene.select_ids([cmd.node_id])
        self.view.ensureVisible(self.scene.nodes[cmd.node_id])

    # -- deleting ---------------------------------------------------------------------------------------
    @guarded
    def delete_selection(self) -> None:
        """Selected layers go with all their connections; with no layer selected, selected connections go."""
        ids = self.scene.selected_ids()
        if ids:
            self.doc.push(RemoveNodes(ids))
            notify(f"Deleted {_listing(ids)}. Undo (Ctrl+Z) brings {'it' if len(ids) == 1 else 'them'} back.")
            return
        edges = sorted(self.scene.selected_edges(), key=lambda e: (e[1], -e[2]))
        if not edges:
            notify("Select layers or connections to delete.")
            return
        commands: list[Command] = [Disconnect(dst, slot) for _src, dst, slot in edges]
        self.doc.push(commands[0] if len(commands) == 1 else Macro(f"Disconnect {len(commands)} connections", commands))
        notify(f"Removed {len(edges)} connection{'s' if len(edges) != 1 else ''}. Undo (Ctrl+Z) restores {'it' if len(edges) == 1 else 'them'}.")

    def select_all(self) -> None:
        self.scene.select_ids(self.doc.net.ids())

    # -- clipboard ---------------------------------------------------------------------------------------
    @guarded
    def copy(self) -> bool:
        ids = self.scene.selected_ids()
        if not ids:
            notify("Select layers to copy.")
            return False
        clipboard.put(clipboard.fragment(self.doc.net, ids))
        notify(f"Copied {len(ids)} layer{'s' if len(ids) != 1 else ''}.")
        return True

    @guarded
    def cut(self) -> None:
        if self.copy():
            self.doc.push(RemoveNodes(self.scene.selected_ids()))

    @guarded
    def paste(self) -> None:
        frag = clipboard.take()
        if frag is None:
            raise GraphError("the clipboard holds no ConvStudio layers; copy some first")
        self._add_fragment(frag, first=0)  # into another document: where they were, if that place is free

    @guarded
    def duplicate(self) -> None:
        ids = self.scene.selected_ids()
        if not ids:
            notify("Select layers to duplicate.")
            return
        self._add_fragment(clipboard.fragment(self.doc.net, ids), verb="Duplicate")

    def _add_fragment(self, frag: dict, first: int = 1, verb: str = "Paste") -> None:
        offset = clipboard.free_offset(self.doc.net, frag, PASTE_STEP, first)
        cmd, new_ids = clipboard.paste_command(self.doc.net, frag, offset)
        cmd.text = cmd.text.replace("Paste", verb, 1)
        self.doc.push(cmd)
        self.scene.select_ids(new_ids)
        notify(f"Added {', '.join(new_ids)}.")

    # -- layout ------------------------------------------------------------------------------------------
    @guarded
    def auto_layout(self) -> None:
        positions = layered_positions(self.doc.net)
        changed = {k: v for k, v in positions.items() if tuple(self.doc.net.node(k).position) != v}
        if not changed:
            notify("The layers are already laid out.")
            return
        cmd = MoveNodes(changed)
        cmd.text = "Auto-layout"
        self.doc.push(cmd)
        self.view.fit_all(max_zoom=1.0)


def _listing(ids: list[str], shown: int = 3) -> str:
    """"conv1, relu1 and 3 more": names for a message without letting it run off the status bar."""
    if len(ids) <= shown:
        return ", ".join(ids[:-1]) + (" and " if len(ids) > 1 else "") + ids[-1]
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"
