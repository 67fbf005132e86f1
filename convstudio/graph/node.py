"""A node of the network: id, layer type, canonical parameters, ordered inputs, position."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from .. import layers
from ..errors import GraphError
from ..layers.params import ParamError

ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")


@dataclass
class Node:
    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    position: tuple[float, float] = (0.0, 0.0)

    @property
    def decl(self) -> layers.LayerType:
        return layers.get(self.type)

    def copy(self) -> "Node":
        return Node(self.id, self.type, copy_value(self.params), list(self.inputs), tuple(self.position))

    def same_except_position(self, other: "Node") -> bool:
        return (self.id, self.type, self.params, self.inputs) == (other.id, other.type, other.params, other.inputs)


def copy_value(value: Any) -> Any:
    """A deep copy of parameter values (numbers, text, lists, tuples, dicts) without `copy.deepcopy`'s
    bookkeeping: copying a 500-layer network for every run stays a millisecond, not tens."""
    if isinstance(value, dict):
        return {k: copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_value(v) for v in value)
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return copy.deepcopy(value)


def check_id(node_id: Any) -> str:
    """Ids are readable names used in files, weights keys and messages."""
    if not isinstance(node_id, str) or not ID_PATTERN.match(node_id):
        raise GraphError(
            f"id {node_id!r} is not valid: use 1–64 letters, digits, '_', '-' or '.', starting with a letter or '_'"
        )
    return node_id


def coerce_params(type_name: str, given: dict[str, Any] | None, base: dict[str, Any] | None = None,
                  node_id: str = "") -> dict[str, Any]:
    """Canonical parameters for `type_name`: `base` (or the defaults) updated with `given`.

    Raises GraphError naming `node.param[i]` and the reason for the first bad value.
    """
    decl = layers.get(type_name)
    params = copy.deepcopy(base) if base is not None else decl.defaults()
    for name, value in (given or {}).items():
        try:
            p = decl.param(name)
        except KeyError:
            known = ", ".join(q.name for q in decl.params) or "none"
            raise GraphError(f"{node_id or type_name}: {type_name} has no parameter {name!r} (it has: {known})") from None
        try:
            params[name] = p.coerce(value)
        except ParamError as e:
            raise GraphError(f"{node_id or type_name}.{name}{e.where}: {e.message}") from None
    return params
