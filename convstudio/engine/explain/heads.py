"""Why VGG-16 does not go from 7×7×512 to 1000 in one step: both heads side by side, in numbers.

Counts come from the Dense declaration, so they are the same figures `infer` shows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ... import layers
from ...errors import ConvStudioError
from ...graph import Network
from ..infer import Report
from ..transforms import plan_fc_to_conv


@dataclass(frozen=True)
class HeadLayer:
    inputs: int
    units: int
    params: int
    macs: int


@dataclass(frozen=True)
class HeadComparison:
    features: tuple[int, int, int]  # C, H, W of the map the head reads
    direct: HeadLayer  # C·H·W → classes in one linear step
    head: tuple[HeadLayer, ...]  # through the hidden widths
    reasons: tuple[str, ...]

    @property
    def head_params(self) -> int:
        return sum(h.params for h in self.head)

    @property
    def head_macs(self) -> int:
        return sum(h.macs for h in self.head)


def compare_heads(features=(512, 7, 7), hidden=(4096, 4096), classes: int = 1000) -> HeadComparison:
    """One Dense C·H·W → classes versus the Dense chain C·H·W → hidden… → classes (VGG-16 by default)."""
    n = math.prod(features)
    direct = _dense(n, classes)
    widths = [n, *hidden, classes]
    head = tuple(_dense(a, b) for a, b in zip(widths, widths[1:]))
    reasons = _reasons(tuple(features), direct, head, tuple(hidden), classes)
    return HeadComparison(tuple(features), direct, head, reasons)


def network_head(net: Network, report: Report | None = None) -> tuple[tuple[int, int, int], tuple[int, ...], int]:
    """(features, hidden widths, classes) of a network's fully connected chain, for `compare_heads`.

    Pass the network's current `report` to save inferring it again."""
    plan = plan_fc_to_conv(net, report)
    first, *rest = plan.denses
    chained = all(d.kernel == (1, 1) and d.channels == prev.units for prev, d in zip(plan.denses, rest))
    if len(plan.flattens) != 1 or not chained:
        raise ConvStudioError("the fully connected layers do not form one chain after a Flatten")
    return (first.channels, *first.kernel), tuple(d.units for d in plan.denses[:-1]), plan.denses[-1].units


def _dense(inputs: int, units: int) -> HeadLayer:
    decl = next(t for t in map(layers.get, layers.names()) if t.fully_connected)
    p = {"units": units, "bias": True}
    return HeadLayer(inputs, units, decl.param_count(p, [(inputs,)]), decl.macs(p, [(inputs,)], (units,)))


def _reasons(features, direct: HeadLayer, head, hidden, classes: int) -> tuple[str, ...]:
    shape = "×".join(map(str, features))
    total = sum(h.params for h in head)
    lines = [
        f"One step is a single linear map: each of the {classes:,} scores is a weighted sum of the "
        f"{direct.inputs:,} values of the {shape} map, so classes can only be told apart by flat boundaries.",
    ]
    if hidden:
        widths = " and ".join(f"{w:,}" for w in dict.fromkeys(hidden))
        lines.append(f"The chain adds {len(hidden)} hidden layer{'s' if len(hidden) > 1 else ''} of width {widths} "
                     "with a non-linearity (ReLU) after each, so the classifier itself can combine features before "
                     f"scoring: capacity paid for with {total:,} parameters instead of {direct.params:,} "
                     f"({total / direct.params:.1f}×) and {sum(h.macs for h in head):,} MACs instead of "
                     f"{direct.macs:,}.")
        chosen = "is a chosen width" if len(set(hidden)) == 1 else "are chosen widths"
        lines.append(f"{widths} {chosen}, not derived from the data (VGG picked 4,096 for its "
                     "penultimate layers).")
    lines.append(f"{classes:,} is the number of classes, one score each (ImageNet has 1,000).")
    return tuple(lines)
