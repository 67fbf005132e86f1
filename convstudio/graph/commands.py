"""Undoable edit commands on a Network, with no Qt.

A command validates and performs its edit once; the network journals the state of
every node it touched, so undo and redo just put those snapshots back. That makes
any sequence of edits followed by undoing them all give back the same network,
byte for byte once saved.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from .. import layers
from ..errors import GraphError
from ..wording import a
from .network import Journal, Network
from .node import Node, check_id, coerce_params


class Command:
    """Base class: subclasses implement `perform(net)` with the journaled mutators."""

    text = "Edit"
    merge_key: Any = None  # equal non-None keys of consecutive commands may merge (drags, spin boxes)

    def __init__(self):
        self._before: Journal | None = None
        self._after: Journal | None = None

    def perform(self, net: Network) -> None:
        raise NotImplementedError

    def redo(self, net: Network) -> None:
        if self._after is None:
            net._begin()
            try:
                self.perform(net)
            except Exception:
                net._apply(net._end())
                raise
            self._before = net._end()
            self._after = net._snapshot(self._before)
        else:
            net._apply(self._after)
        net._emit(self._before, self._structural())

    def undo(self, net: Network) -> None:
        net._apply(self._before)
        net._emit(self._before, self._structural())

    def _structural(self) -> bool:
        if self._before.meta is not None:
            return True
        for k, b in self._before.nodes.items():
            a = self._after.nodes.get(k)
            if b is None or a is None or not b[1].same_except_position(a[1]):
                return True
        return False

    def merge(self, later: "Command") -> bool:
        """Absorb `later` (already performed) into this one; True when done."""
        if (self.merge_key is None or later.merge_key != self.merge_key
                or set(later._before.nodes) != set(self._before.nodes)
                or (later._before.meta is None) != (self._before.meta is None)):
            return False
        self._after = later._after
        return True

    @property
    def touched(self) -> frozenset[str]:
        return frozenset(self._before.nodes if self._before else ())


class Macro(Command):
    """Several commands as one undo step."""

    def __init__(self, text: str, commands: Sequence[Command]):
        super().__init__()
        self.text, self.commands = text, list(commands)

    def perform(self, net):
        for c in self.commands:
            c.perform(net)


class AddNode(Command):
    def __init__(self, type_name: str, params: dict | None = None, position=(0.0, 0.0),
                 node_id: str | None = None, inputs: Sequence[str] = (), index: int | None = None):
        super().__init__()
        self.type_name, self.params, self.position = type_name, params, position
        self.node_id, self.inputs, self.index = node_id, list(inputs), index
        self.text = f"Add {type_name}"

    def perform(self, net):
        try:
            decl = layers.get(self.type_name)
        except KeyError as e:
            raise GraphError(str(e.args[0])) from None
        nid = check_id(self.node_id) if self.node_id else net.new_id(id_prefix(decl))
        self.node_id = nid
        node = Node(nid, self.type_name, coerce_params(self.type_name, self.params, node_id=nid), [],
                    tuple(map(float, self.position)))
        net._insert(node, self.index)
        for src in self.inputs:
            Connect(src, nid).perform(net)


class RemoveNodes(Command):
    """Remove nodes and every edge touching them; consumers are left with a missing input."""

    def __init__(self, ids: Iterable[str]):
        super().__init__()
        self.ids = list(dict.fromkeys(ids))
        self.text = f"Delete {self.ids[0]}" if len(self.ids) == 1 else f"Delete {len(self.ids)} layers"

    def perform(self, net):
        gone = set(self.ids)
        for nid in self.ids:
            net.node(nid)
        for node in list(net):
            if node.id not in gone and gone.intersection(node.inputs):
                net._modify(node.id).inputs = [s for s in node.inputs if s not in gone]
        for nid in self.ids:
            net._remove(nid)


class Connect(Command):
    """Add the edge src → dst (at input slot `slot`, default last), refusing cycles and arity breaks."""

    def __init__(self, src: str, dst: str, slot: int | None = None):
        super().__init__()
        self.src, self.dst, self.slot = src, dst, slot
        self.text = f"Connect {src} → {dst}"

    def perform(self, net):
        src, dst = net.node(self.src), net.node(self.dst)
        check_connect(net, src.id, dst.id)
        inputs = net._modify(dst.id).inputs
        inputs.insert(len(inputs) if self.slot is None else self.slot, src.id)


def check_connect(net: Network, src: str, dst: str) -> None:
    """Raise GraphError when src → dst would make a cycle or exceed dst's inputs."""
    target = net.node(dst)
    decl = target.decl
    if src == dst:
        raise GraphError(f"{dst} cannot take its own output as input")
    if decl.max_inputs == 0:
        raise GraphError(f"{dst} is {a(target.type)} layer and takes no inputs")
    if decl.max_inputs is not None and len(target.inputs) >= decl.max_inputs:
        raise GraphError(f"{dst} ({target.type}) takes {decl.max_inputs} input"
                         f"{'s' if decl.max_inputs > 1 else ''} and already has it; disconnect {target.inputs[0]} first")
    if net.reaches(dst, src):
        raise GraphError(f"connecting {src} → {dst} would make a cycle ({dst} already feeds {src})")


class Disconnect(Command):
    def __init__(self, dst: str, slot: int):
        super().__init__()
        self.dst, self.slot = dst, slot
        self.text = f"Disconnect input {slot + 1} of {dst}"

    def perform(self, net):
        inputs = net._modify(self.dst).inputs
        if not 0 <= self.slot < len(inputs):
            raise GraphError(f"{self.dst} has no input {self.slot + 1}")
        del inputs[self.slot]


class SetParams(Command):
    def __init__(self, node_id: str, changes: dict[str, Any], merge: bool = False):
        super().__init__()
        self.node_id, self.changes = node_id, dict(changes)
        names = ", ".join(name.replace("_", " ") for name in changes)
        self.text = f"Change {names} of {node_id}"
        self.merge_key = ("params", node_id, tuple(changes)) if merge else None

    def perform(self, net):
        node = net.node(self.node_id)
        params = coerce_params(node.type, self.changes, base=node.params, node_id=node.id)
        net._modify(node.id).params = params


class ChangeType(Command):
    """Turn a layer into another type in place: same id, inputs and position, the new type's `params`."""

    def __init__(self, node_id: str, type_name: str, params: dict[str, Any] | None = None):
        super().__init__()
        self.node_id, self.type_name, self.params = node_id, type_name, dict(params or {})
        self.text = f"Make {node_id} {a(type_name)}"

    def perform(self, net):
        node = net.node(self.node_id)
        try:
            decl = layers.get(self.type_name)
        except KeyError as e:
            raise GraphError(str(e.args[0])) from None
        if decl.max_inputs is not None and len(node.inputs) > decl.max_inputs:
            raise GraphError(f"{node.id} has {len(node.inputs)} inputs; {a(self.type_name)} layer takes "
                             f"at most {decl.max_inputs}")
        params = coerce_params(self.type_name, self.params, node_id=node.id)
        changed = net._modify(node.id)
        changed.type, changed.params = self.type_name, params


class MoveNodes(Command):
    def __init__(self, positions: dict[str, tuple[float, float]], merge: bool = False):
        super().__init__()
        self.positions = {k: (float(x), float(y)) for k, (x, y) in positions.items()}
        self.text = "Move " + (next(iter(positions)) if len(positions) == 1 else f"{len(positions)} layers")
        self.merge_key = ("move", frozenset(positions)) if merge else None

    def perform(self, net):
        for nid, pos in self.positions.items():
            net._modify(nid).position = pos


class Rename(Command):
    """Change a node's id and every reference to it, keeping its place in the file."""

    def __init__(self, old: str, new: str):
        super().__init__()
        self.old, self.new = old, new
        self.text = f"Rename {old} to {new}"

    def perform(self, net):
        net.node(self.old)
        check_id(self.new)
        if self.new == self.old:
            return
        if self.new in net:
            raise GraphError(f"id {self.new!r} is already used")
        index = net.index(self.old)
        for cid, _ in net.consumers(self.old):
            node = net._modify(cid)
            node.inputs = [self.new if s == self.old else s for s in node.inputs]
        node = net._remove(self.old)
        node.id = self.new
        net._insert(node, index)


class InsertOnEdge(Command):
    """Put a new layer into the edge src → dst (input slot `slot` of dst)."""

    def __init__(self, type_name: str, dst: str, slot: int, params: dict | None = None,
                 position=(0.0, 0.0), node_id: str | None = None):
        super().__init__()
        self.add = AddNode(type_name, params, position, node_id)
        self.dst, self.slot = dst, slot
        self.text = f"Insert {type_name} before {dst}"

    def perform(self, net):
        dst = net.node(self.dst)
        if not 0 <= self.slot < len(dst.inputs):
            raise GraphError(f"{self.dst} has no input {self.slot + 1}")
        try:
            decl = layers.get(self.add.type_name)
        except KeyError as e:
            raise GraphError(str(e.args[0])) from None
        if decl.max_inputs == 0:
            raise GraphError(f"{a(self.add.type_name)} layer takes no inputs and cannot sit on an edge")
        self.add.inputs = [dst.inputs[self.slot]]
        self.add.perform(net)
        net._modify(dst.id).inputs[self.slot] = self.add.node_id


class SetMeta(Command):
    def __init__(self, **fields):
        super().__init__()
        unknown = set(fields) - {"name", "description", "weights", "labels"}
        if unknown:
            raise GraphError(f"unknown network field{'s' * (len(unknown) != 1)}: {', '.join(sorted(unknown))}")
        self.fields = fields
        self.text = "Edit " + ", ".join(fields)

    def perform(self, net):
        net._set_meta(**self.fields)


def id_prefix(decl: layers.LayerType) -> str:
    """Readable id stem for new nodes of a type: conv, pool, dense, …"""
    return decl.prefix()
