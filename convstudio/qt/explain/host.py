"""How the explain views reach the open network: the window's document, its report and its undo stack.

The views only read `net`, `report` and the `changed` signal and push commands through
`push`, so they work with the main window's Document or any object offering the same.
"""
from __future__ import annotations

from typing import Callable

from ...graph import Network
from ...layers import LayerType

Wanted = Callable[[LayerType], bool]


def has_filters(decl: LayerType) -> bool:
    return decl.has_filters


def slides(decl: LayerType) -> bool:
    return bool(decl.sliding)


def document_of(window):
    """The window's Document (`document` or `doc`)."""
    doc = getattr(window, "document", None)
    return doc if doc is not None and hasattr(doc, "changed") else window.doc


def net_of(doc) -> Network:
    net = getattr(doc, "net", None)
    return net if net is not None else doc.network



def pick_node(selection: list[str], current: str | None, net: Network, wanted: Wanted) -> str | None:
    """The layer a view explains: the first selected layer it is `wanted` for, else the one shown, else the first."""
    for nid in selection:
        if nid in net and wanted(net.node(nid).decl):
            return nid
    if current is not None and current in net and wanted(net.node(current).decl):
        return current
    return next((n.id for n in net if wanted(n.decl)), None)
