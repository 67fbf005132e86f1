"""Which layer the panels show: the selected one, else the last shown, else the first conv layer."""
from __future__ import annotations

from ...graph import Network


def shown_node(selection: list[str], current: str | None, net: Network,
               prefer: tuple[str, ...] = ("Conv2D",)) -> str | None:
    if selection:
        return current if current in selection else selection[0]
    if current is not None and current in net:
        return current
    first = next((n.id for n in net if n.type in prefer), None)
    return first or next((n.id for n in net), None)
