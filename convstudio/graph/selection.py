"""Which layer a panel or explain view shows, chosen the same way everywhere."""
from __future__ import annotations

from typing import Callable

from .network import Network
from ..layers import LayerType

Wanted = Callable[[LayerType], bool]


def any_layer(decl: LayerType) -> bool:
    return True


def has_filters(decl: LayerType) -> bool:
    return decl.has_filters


def slides(decl: LayerType) -> bool:
    return bool(decl.sliding)


def pick_node(selection: list[str], current: str | None, net: Network, wanted: Wanted = any_layer,
              prefer: Wanted | None = None) -> str | None:
    """A selected layer it is `wanted` for (the one shown, if selected), else the one shown, else the
    first layer it `prefer`s, else the first it is wanted for."""
    chosen = [i for i in selection if i in net and wanted(net.node(i).decl)]
    if chosen:
        return current if current in chosen else chosen[0]
    if current is not None and current in net and wanted(net.node(current).decl):
        return current
    for test in filter(None, (prefer, wanted)):
        found = next((n.id for n in net if test(n.decl)), None)
        if found is not None:
            return found
    return None
