"""The network as data: ordered nodes whose `inputs` are the edges.

Only edit commands (graph.commands) call the mutating methods; every mutation is
journaled so a command can be undone exactly, and observers hear one `changed`
event per command.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from psygnal import Signal

from ..errors import GraphError
from .node import Node

@dataclass(frozen=True)
class Meta:
    """The network's own fields, recorded for undo beside the nodes an edit touches."""

    name: str
    description: str
    weights: str | None
    labels: tuple[str, ...] = ()


State = tuple[int, Node] | None  # a node's place and a copy of it, or absent


@dataclass
class Journal:
    """What an edit touched, as it was (or, for redo, as it became): nodes by id, and the network's
    fields when the edit changed them."""

    nodes: dict[str, State] = field(default_factory=dict)
    meta: Meta | None = None


@dataclass(frozen=True)
class Change:
    """What one edit touched: node ids (present or gone), and whether more than positions changed."""

    ids: frozenset[str]
    structural: bool = True
    reset: bool = False


def check_labels(labels: Iterable[str]) -> list[str]:
    """Class names (index = class id): non-empty, distinct strings; raises GraphError naming the entry."""
    if isinstance(labels, str):
        raise GraphError("labels: must be a list of class names, got one text")
    out: list[str] = []
    for i, label in enumerate(labels):
        if not isinstance(label, str):
            raise GraphError(f"labels[{i}]: must be text, got {label!r}")
        if not label.strip():
            raise GraphError(f"labels[{i}]: a class name cannot be empty")
        if label in out:
            raise GraphError(f"labels[{i}]: {label!r} is already the name of class {out.index(label)}")
        out.append(label)
    return out


class Network:
    """Nodes plus the network's fields: name, description, weights file and class `labels` (may be empty)."""

    changed = Signal(object)

    def __init__(self, name: str = "Untitled", description: str = "", nodes: Iterable[Node] = (),
                 weights: str | None = None, labels: Iterable[str] = ()):
        self.name = name
        self.description = description
        self.weights = weights
        self.labels = check_labels(labels)
        self._nodes: dict[str, Node] = {}
        for n in nodes:
            if n.id in self._nodes:
                raise GraphError(f"id {n.id!r} is used twice")
            self._nodes[n.id] = n
        self._journal: Journal | None = None
        self._start: dict[str, int] = {}

    # -- reading ----------------------------------------------------------------------
    def __contains__(self, node_id: str) -> bool:
        return node_id in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no layer {node_id!r}") from None

    def ids(self) -> list[str]:
        return list(self._nodes)

    def index(self, node_id: str) -> int:
        return self.ids().index(node_id)

    def consumers(self, node_id: str) -> list[tuple[str, int]]:
        """(consumer id, input slot) for every edge leaving `node_id`."""
        return [(n.id, i) for n in self._nodes.values() for i, src in enumerate(n.inputs) if src == node_id]

    def edges(self) -> list[tuple[str, str, int]]:
        """(source, target, slot) for every edge, in node order."""
        return [(src, n.id, i) for n in self._nodes.values() for i, src in enumerate(n.inputs)]

    def topological_order(self) -> tuple[list[str], list[str]]:
        """(order, ids on or behind a cycle); file order breaks ties so results are stable."""
        pending = {n.id: sum(1 for s in set(n.inputs) if s in self._nodes) for n in self._nodes.values()}
        users: dict[str, list[str]] = {i: [] for i in self._nodes}
        for n in self._nodes.values():
            for s in set(n.inputs):
                if s in users:
                    users[s].append(n.id)
        ready = deque(i for i in self._nodes if pending[i] == 0)
        order: list[str] = []
        while ready:
            nid = ready.popleft()
            order.append(nid)
            for u in users[nid]:
                pending[u] -= 1
                if pending[u] == 0:
                    ready.append(u)
        done = set(order)
        return order, [i for i in self._nodes if i not in done]

    def reaches(self, start: str, goal: str) -> bool:
        """True when a path of edges leads from `start` to `goal`."""
        seen, stack = set(), [start]
        while stack:
            cur = stack.pop()
            if cur == goal:
                return True
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(c for c, _ in self.consumers(cur))
        return False

    def new_id(self, prefix: str) -> str:
        """The first free readable id `prefix1`, `prefix2`, …"""
        k = 1
        while f"{prefix}{k}" in self._nodes:
            k += 1
        return f"{prefix}{k}"

    # -- journaled mutation (commands only) --------------------------------------------
    def _touch(self, node_id: str) -> None:
        """Journal a node's state and index as they were when the command began."""
        if self._journal is not None and node_id not in self._journal.nodes:
            node = self._nodes.get(node_id)
            if node is None:
                self._journal.nodes[node_id] = None
            else:  # untouched so far, so its place is still the one the command started from
                self._journal.nodes[node_id] = (self._start[node_id], node.copy())

    def _meta(self) -> Meta:
        return Meta(self.name, self.description, self.weights, tuple(self.labels))

    def copy(self) -> "Network":
        """An independent copy (nodes and fields) that nobody observes yet."""
        return Network(self.name, self.description, [n.copy() for n in self], self.weights, self.labels)

    def _insert(self, node: Node, index: int | None = None) -> None:
        if node.id in self._nodes:
            raise GraphError(f"id {node.id!r} is already used")
        self._touch(node.id)
        items = list(self._nodes.items())
        items.insert(len(items) if index is None else index, (node.id, node))
        self._nodes = dict(items)

    def _remove(self, node_id: str) -> Node:
        self.node(node_id)
        self._touch(node_id)
        return self._nodes.pop(node_id)

    def _modify(self, node_id: str) -> Node:
        """The node, journaled for undo; the caller then changes it in place."""
        node = self.node(node_id)
        self._touch(node_id)
        return node

    def _set_meta(self, **fields) -> None:
        if "labels" in fields:
            fields["labels"] = check_labels(fields["labels"])
        if self._journal is not None and self._journal.meta is None:
            self._journal.meta = self._meta()
        for k, v in fields.items():
            setattr(self, k, v)

    def _begin(self) -> None:
        self._journal = Journal()
        self._start = {nid: i for i, nid in enumerate(self._nodes)}

    def _end(self) -> Journal:
        journal, self._journal = self._journal or Journal(), None
        return journal

    def _snapshot(self, touched: Journal) -> Journal:
        """The present state of what `touched` records."""
        order = self.ids()
        nodes = {i: (order.index(i), self._nodes[i].copy()) if i in self._nodes else None for i in touched.nodes}
        return Journal(nodes, self._meta() if touched.meta is not None else None)

    def _apply(self, snap: Journal) -> None:
        """Put the touched nodes (and fields) back as in `snap`; untouched nodes keep their order."""
        meta = snap.meta
        if meta is not None:
            self.name, self.description, self.weights = meta.name, meta.description, meta.weights
            self.labels = list(meta.labels)
        items = [(k, v) for k, v in self._nodes.items() if k not in snap.nodes]
        for nid, state in sorted(((k, v) for k, v in snap.nodes.items() if v), key=lambda kv: kv[1][0]):
            items.insert(state[0], (nid, state[1].copy()))
        self._nodes = dict(items)

    def _emit(self, touched: Journal, structural: bool = True) -> None:
        self.changed.emit(Change(frozenset(touched.nodes), structural))

    def emit_reset(self) -> None:
        """Tell observers to rebuild everything (after a load)."""
        self.changed.emit(Change(frozenset(self._nodes), True, reset=True))
