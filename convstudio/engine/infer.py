"""Shape and cost inference with plain-language diagnostics.

`infer` never raises for a network that does not fit: a node that fails gets an
error diagnostic, everything downstream is marked unknown, and the rest is still
computed, so the app can show every problem at once while the user edits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .. import layers
from ..graph import Network
from ..layers import Shape, ShapeError
from . import receptive
from .classes import classes_of_shape, labels_mismatch
from .receptive import Field


@dataclass(frozen=True)
class Diagnostic:
    level: str  # "error" or "warning"
    node: str
    text: str  # the explanation without the node id

    @property
    def message(self) -> str:
        return f"{self.node}: {self.text}"


class _Levels:
    """`errors` and `warnings` filtered from a `diagnostics` list."""

    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]


@dataclass
class NodeReport(_Levels):
    id: str
    type: str
    shape: Shape | None = None
    params: int | None = None
    macs: int | None = None
    receptive_field: Field | None = None
    inputs: list[str] = field(default_factory=list)
    input_shapes: list[Shape] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    blocked_by: str | None = None  # the upstream node whose failure leaves this one unknown

    @property
    def ok(self) -> bool:
        return self.shape is not None


@dataclass
class Report(_Levels):
    name: str
    order: list[str]
    nodes: dict[str, NodeReport]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for i in self.order for d in self.nodes[i].diagnostics]

    @property
    def total_params(self) -> int:
        return sum(r.params or 0 for r in self.nodes.values())

    @property
    def total_macs(self) -> int:
        return sum(r.macs or 0 for r in self.nodes.values())

    @property
    def outputs(self) -> list[str]:
        """Nodes nobody consumes: the network's results."""
        used = {s for r in self.nodes.values() for s in r.inputs}
        return [i for i in self.order if i not in used]

    @property
    def inputs(self) -> list[str]:
        return [i for i in self.order if layers.get(self.nodes[i].type).is_input]


def infer(net: Network, input_shape: Shape | None = None) -> Report:
    """Per-node shapes, parameter counts, MACs, receptive fields and diagnostics.

    `input_shape` (C, H, W) replaces the shape of every Input layer for this run.
    """
    order, cyclic = net.topological_order()
    nodes: dict[str, NodeReport] = {}
    for nid in order:
        node = net.node(nid)
        rep = NodeReport(nid, node.type, inputs=list(node.inputs))
        _infer_node(node, rep, nodes, input_shape)
        nodes[nid] = rep
    _check_labels(net, order, nodes)
    for nid in cyclic:
        node = net.node(nid)
        rep = NodeReport(nid, node.type, inputs=list(node.inputs))
        rep.diagnostics.append(Diagnostic("error", nid, "sits on a loop of connections (or after one); "
                                          "remove the connection that leads back"))
        nodes[nid] = rep
    return Report(net.name, order + cyclic, nodes)


def infer_update(net: Network, previous: Report, touched: Iterable[str]) -> Report:
    """The same report as `infer(net)`, re-inferring only what an edit of the `touched` nodes can change.

    `previous` is the report of the network before the edit. When the edit kept the layers and
    their connections (a parameter edit), a node is re-inferred only if it was touched or an input's
    shape, receptive field or blocked state changed, so the work stops where the effect of the edit
    stops (a Conv2D whose K is unchanged hides a change of its input's depth from everything below).
    The outputs are always redone (their class-name check reads the network's labels). Any other
    edit (layers or connections added, removed or renamed) infers the whole network again.
    """
    order, cyclic = net.topological_order()
    if cyclic or order != previous.order or not _same_wiring(net, previous):
        return infer(net)
    consumers: dict[str, list[str]] = {nid: [] for nid in order}
    for node in net:
        for src in set(node.inputs):
            consumers[src].append(node.id)
    todo = {nid for nid in touched if nid in consumers} | {nid for nid in order if not consumers[nid]}
    nodes: dict[str, NodeReport] = {}
    for nid in order:
        old = previous.nodes[nid]
        if nid not in todo:
            nodes[nid] = old
            continue
        node = net.node(nid)
        rep = NodeReport(nid, node.type, inputs=list(node.inputs))
        _infer_node(node, rep, nodes, None)
        nodes[nid] = rep
        if (rep.shape, rep.receptive_field, rep.blocked_by) != (old.shape, old.receptive_field, old.blocked_by):
            todo.update(consumers[nid])
    _check_labels(net, order, nodes)
    return Report(net.name, order, nodes)


def _same_wiring(net: Network, previous: Report) -> bool:
    """The same layers, of the same types, reading from the same inputs, as when `previous` was made."""
    if len(net) != len(previous.nodes):
        return False
    for node in net:
        old = previous.nodes.get(node.id)
        if old is None or old.type != node.type or old.inputs != node.inputs:
            return False
    return True


def _check_labels(net: Network, order: list[str], nodes: dict[str, NodeReport]) -> None:
    """Warn on the output when the network's class names do not match its class scores."""
    used = {s for r in nodes.values() for s in r.inputs}
    outputs = [i for i in order if i not in used]
    if len(outputs) == 1:
        problem = labels_mismatch(net.labels, classes_of_shape(nodes[outputs[0]].shape))
        if problem:
            nodes[outputs[0]].diagnostics.append(Diagnostic("warning", outputs[0], problem))


def _infer_node(node, rep: NodeReport, done: dict[str, NodeReport], input_shape) -> None:
    decl = layers.get(node.type)
    if decl.is_input:
        rep.shape = tuple(input_shape) if input_shape else decl.output_shape(node.params, [])
        rep.params, rep.macs = 0, 0
        rep.receptive_field = receptive.for_input(*rep.shape[1:]) if len(rep.shape) == 3 else None
        return
    if len(node.inputs) < decl.min_inputs:
        rep.diagnostics.append(Diagnostic("error", node.id, _missing(decl, len(node.inputs))))
        return
    unknown = next((s for s in node.inputs if s not in done), None)
    if unknown is not None:  # only a Network built by hand, not through commands or a file, gets here
        rep.diagnostics.append(Diagnostic("error", node.id, f"reads from {unknown!r}, which does not exist"))
        return
    ups = [done[s] for s in node.inputs]
    blocked = next((u for u in ups if u.shape is None), None)
    if blocked is not None:
        rep.blocked_by = blocked.blocked_by or blocked.id
        return
    shapes = [u.shape for u in ups]
    rep.input_shapes = shapes
    p = node.params
    try:
        rep.shape = decl.output_shape(p, shapes)
    except ShapeError as e:
        rep.diagnostics.append(Diagnostic("error", node.id, str(e)))
        return
    rep.params = decl.param_count(p, shapes)
    rep.macs = decl.macs(p, shapes, rep.shape)
    rep.diagnostics += [Diagnostic("warning", node.id, w) for w in decl.warnings(p, shapes, rep.shape)]
    fields = [u.receptive_field for u in ups if u.receptive_field is not None]
    if fields:
        rep.receptive_field = receptive.step(receptive.merge(fields), decl.window(p, shapes))


def _missing(decl, have: int) -> str:
    need = decl.min_inputs
    what = f"{need} input{'s' if need > 1 else ''}" if decl.max_inputs == need else f"at least {need} inputs"
    has = "none" if have == 0 else str(have)
    return f"needs {what} but has {has}; connect a layer to it"

