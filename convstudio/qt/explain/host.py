"""How the explain views reach the open network: the window's document, its report and its undo stack.

The views only read `net`, `report` and the `changed` signal and push commands through
`push`, so they work with the main window's Document or any object offering the same.
"""
from __future__ import annotations

from ...graph import Network


def document_of(window):
    """The window's Document (`document` or `doc`)."""
    doc = getattr(window, "document", None)
    return doc if doc is not None and hasattr(doc, "changed") else window.doc


def net_of(doc) -> Network:
    net = getattr(doc, "net", None)
    return net if net is not None else doc.network
