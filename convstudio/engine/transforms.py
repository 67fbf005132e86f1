"""Graph transforms: fully connected layers rewritten as the convolutions they equal.

A Dense layer reading a flattened C×H×W map computes, for each unit, one weighted sum
over the whole map: exactly a Conv2D with K = units and an H×W kernel (Flatten is
C-order, so the weight just reshapes to (K, C, H, W)). A Dense reading another Dense is
then a 1×1 convolution. The result runs on larger images too, giving score maps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import layers
from ..errors import ConvStudioError
from ..graph import ChangeType, Command, Connect, Network, RemoveNodes
from .infer import Report, infer
from .weights import WeightSet


def _channelwise(net: Network, node_id: str) -> bool:
    """Layers that compute the same on a vector of K as on K×1×1 (activations, Dropout, Softmax)."""
    return net.node(node_id).decl.channelwise


def _filters_type() -> str:
    """The layer type a Dense becomes: the one with K × C × F × F filters (Conv2D)."""
    return next(t.name for t in layers.by_family()["Convolution"] if t.has_filters)


@dataclass(frozen=True)
class DenseToConv:
    """One Dense layer and the convolution it becomes."""

    id: str
    units: int
    channels: int
    kernel: tuple[int, int]
    bias: bool

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.units, self.channels, *self.kernel)

    def params(self) -> dict:
        return {"filters": self.units, "kernel_size": list(self.kernel), "stride": [1, 1], "padding": [0, 0],
                "dilation": [1, 1], "groups": 1, "bias": self.bias}


@dataclass(frozen=True)
class FcPlan:
    flattens: tuple[str, ...]  # removed; their consumers read the map they flattened
    denses: tuple[DenseToConv, ...]  # in run order


def plan_fc_to_conv(net: Network, report: Report | None = None) -> FcPlan:
    """What the conversion changes, or ConvStudioError saying why it cannot be done."""
    report = report or infer(net)
    if report.errors:
        raise ConvStudioError(f"cannot convert: {report.errors[0].message}")
    dense_ids = [i for i in report.order if net.node(i).decl.fully_connected]
    if not dense_ids:
        raise ConvStudioError(f"nothing to convert: {net.name} has no Dense (fully connected) layer")
    flattens: list[str] = []
    denses: dict[str, DenseToConv] = {}
    for did in dense_ids:
        origin, path = _origin(net, did)
        kernel, channels = _source_map(net, report, origin, path, did, denses)
        if net.node(origin).decl.flattens and origin not in flattens:
            _check_flatten_users(net, origin)
            flattens.append(origin)
        units = net.node(did).params["units"]
        denses[did] = DenseToConv(did, units, channels, kernel, net.node(did).params["bias"])
    return FcPlan(tuple(flattens), tuple(denses.values()))


def _origin(net: Network, dense_id: str) -> tuple[str, list[str]]:
    """The Flatten or Dense a Dense reads, walking back through channel-wise layers."""
    path, cur = [], net.node(dense_id).inputs[0]
    while _channelwise(net, cur):
        path.append(cur)
        cur = net.node(cur).inputs[0]
    node = net.node(cur)
    if not (node.decl.fully_connected or node.decl.flattens):
        raise ConvStudioError(f"cannot convert {dense_id}: it reads {cur} ({node.type}); only a Dense layer fed by "
                              "Flatten or by another Dense (through activations or Dropout) becomes a convolution")
    return cur, path


def _source_map(net, report, origin, path, dense_id, denses) -> tuple[tuple[int, int], int]:
    """(kernel, channels) of the map the Dense will read once Flatten is gone."""
    node = net.node(origin)
    if node.decl.fully_connected:
        return (1, 1), node.params["units"]
    src = node.inputs[0]
    shape = report.nodes[src].shape
    if src in denses:
        shape = (denses[src].units, 1, 1)
    if len(shape) != 3:
        raise ConvStudioError(f"cannot convert {dense_id}: {origin} flattens a flat vector from {src}, not an image")
    softmax = [p for p in path if not net.node(p).decl.elementwise]
    if softmax and shape[1:] != (1, 1):
        raise ConvStudioError(f"cannot convert {dense_id}: {softmax[0]} normalises all C·H·W values of "
                              f"{origin}; on the {shape[1]}×{shape[2]} map it would normalise channels only")
    return (shape[1], shape[2]), shape[0]


def _check_flatten_users(net: Network, flatten_id: str) -> None:
    """Removing Flatten is only safe when every use of its vector leads into a Dense."""
    stack = [flatten_id]
    while stack:
        cur = stack.pop()
        users = net.consumers(cur)
        if cur != flatten_id and not users:
            raise ConvStudioError(f"cannot remove {flatten_id}: {cur} gives its flat output as a network result")
        for uid, _ in users:
            kind = net.node(uid).type
            if _channelwise(net, uid):
                stack.append(uid)
            elif not net.node(uid).decl.fully_connected:
                raise ConvStudioError(f"cannot remove {flatten_id}: {uid} ({kind}) also uses its flat output")


class FcToConv(Command):
    """Undoable: remove the Flattens before Dense layers and turn each Dense into a Conv2D (same id and place)."""

    text = "Convert fully connected layers to convolutions"

    def __init__(self):
        super().__init__()
        self.plan: FcPlan | None = None

    def perform(self, net: Network) -> None:
        plan = plan_fc_to_conv(net)
        for fid in plan.flattens:
            for step in _bypass(net, fid):
                step.perform(net)
        for d in plan.denses:
            ChangeType(d.id, _filters_type(), d.params()).perform(net)
        errors = infer(net).errors
        if errors:
            raise ConvStudioError(f"cannot convert: afterwards {errors[0].message}")
        self.plan = plan


def _bypass(net: Network, node_id: str) -> list[Command]:
    """Remove a one-input node, its consumers reading its input instead (in the same input slot)."""
    src = net.node(node_id).inputs[0]
    return [RemoveNodes([node_id])] + [Connect(src, cid, slot) for cid, slot in net.consumers(node_id)]


def convert_fc_weights(plan: FcPlan, weights: WeightSet) -> WeightSet:
    """Weights for the converted network: Dense (out, C·H·W) → Conv2D (out, C, H, W); arrays are shared."""
    out = {nid: dict(ws) for nid, ws in weights.items()}
    for d in plan.denses:
        w = weights.get(d.id, {}).get("weight")
        if w is None:
            raise ConvStudioError(f"{d.id}/weight: missing from the weights")
        if w.shape != (d.units, d.channels * d.kernel[0] * d.kernel[1]):
            raise ConvStudioError(f"{d.id}/weight: expected {d.units}×{d.channels * d.kernel[0] * d.kernel[1]}, "
                                  f"the weights have {'×'.join(map(str, w.shape))}")
        out[d.id]["weight"] = np.asarray(w).reshape(d.weight_shape)
    return out


def fc_to_conv(network: Network, weights: WeightSet | None = None) -> tuple[Network, WeightSet | None]:
    """A new, fully convolutional copy of `network` (and its converted weights when given).

    Ids, positions and all other layers are kept. The copy's weights file field is
    cleared, since the old file no longer fits it.
    """
    copy = network.copy()
    copy.weights = None  # a fresh network nobody observes, so no edit command is needed
    cmd = FcToConv()
    cmd.redo(copy)
    return copy, (None if weights is None else convert_fc_weights(cmd.plan, weights))


def output_difference(original: Network, converted: Network, weights: WeightSet, converted_weights: WeightSet,
                      x: np.ndarray) -> tuple[float, float]:
    """(max absolute, max relative) difference of the two networks' results on `x`."""
    from .execute import run

    a, b = run(original, x, weights), run(converted, x, converted_weights)
    worst, scale = 0.0, 0.0
    for nid in infer(original, input_shape=x.shape[1:]).outputs:
        ref = a[nid].astype(np.float64)
        worst = max(worst, float(np.max(np.abs(b[nid].reshape(ref.shape) - ref))))
        scale = max(scale, float(np.max(np.abs(ref))))
    return worst, worst / scale if scale else worst
