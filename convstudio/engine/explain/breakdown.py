"""One Conv2D output value taken apart: one window·kernel sum per input channel, plus the bias.

This is the seed's "N input channels and M output channels are N·M small convolutions,
summed over the N inputs", shown for a single number the user clicks on.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ...wording import a
from ...errors import ConvStudioError
from ...graph import Network
from ..numbers import signed
from ..weights import WeightSet
from .field import Box, receptive_box


@dataclass(frozen=True)
class ChannelTerm:
    """One input channel's share of the output value."""

    channel: int  # input channel index
    window: np.ndarray  # (kh, kw) input values under the taps, 0 where a tap falls in the padding
    padding: np.ndarray  # (kh, kw) True where a tap falls in the padding
    kernel: np.ndarray  # (kh, kw) the filter's slice for this channel
    partial: float  # Σ window · kernel


@dataclass(frozen=True)
class Breakdown:
    node_id: str
    batch: int
    channel: int  # output channel k
    row: int
    col: int
    group: int  # k's group; only that group's input channels take part
    groups: int
    rows: np.ndarray  # (kh,) input row of each tap (outside 0..H−1 means padding)
    cols: np.ndarray  # (kw,) input column of each tap
    terms: tuple[ChannelTerm, ...]
    bias: float
    total: float  # Σ partials + bias, in float64
    engine: float  # the value the forward pass produced
    field: Box | None  # receptive field on the network's input image

    @property
    def difference(self) -> float:
        return abs(self.total - self.engine)

    def formula(self) -> str:
        """`0.12 + (−0.40) + 0.30 + bias 0.05 = 0.07`: the sum as the app writes it."""
        parts = [signed(t.partial) for t in self.terms]
        return " + ".join(parts) + f" + bias {signed(self.bias)} = {signed(self.total)}"


def output_breakdown(net: Network, weights: WeightSet, acts: Mapping[str, np.ndarray], node_id: str,
                     batch: int, channel: int, row: int, col: int) -> Breakdown:
    """Output value (batch, channel, row, col) of Conv2D `node_id` as a sum over its input channels.

    `acts` is the result of `run(net, x, weights)`; the total matches acts[node_id].
    """
    node = net.node(node_id)
    if not node.decl.has_filters:
        raise ConvStudioError(f"{node_id} is {a(node.type)} layer; a breakdown needs a Conv2D layer")
    if node_id not in acts or node.inputs[0] not in acts:
        raise ConvStudioError(f"{node_id}: run the network first; there is no output to explain")
    x, out = acts[node.inputs[0]], acts[node_id]
    _check_index(node_id, out.shape, batch, channel, row, col)
    p, w = node.params, weights[node_id]
    weight = np.asarray(w["weight"])
    ys, xs = _tap_coords(node.decl.resolved(p, [x.shape[1:]]), row, col)
    kg, cg = out.shape[1] // p["groups"], weight.shape[1]
    group = channel // kg
    terms = tuple(_term(c, x[batch, c], ys, xs, weight[channel, c - group * cg])
                  for c in range(group * cg, (group + 1) * cg))
    bias = float(w["bias"][channel]) if "bias" in w else 0.0
    total = float(sum(t.partial for t in terms) + bias)
    field = _field(net, node_id, acts, row, col)
    return Breakdown(node_id, batch, channel, row, col, group, p["groups"], ys, xs, terms, bias, total,
                     float(out[batch, channel, row, col]), field)


def _check_index(node_id: str, shape, batch: int, channel: int, row: int, col: int) -> None:
    n, k, h, w = shape
    for name, v, size in (("batch", batch, n), ("channel", channel, k), ("row", row, h), ("column", col, w)):
        if not 0 <= v < size:
            raise ConvStudioError(f"{node_id}: {name} {v} is out of range (0 to {size - 1})")


def _tap_coords(p, row: int, col: int) -> tuple[np.ndarray, np.ndarray]:
    """Input coordinates of the taps of output (row, col), before clipping to the image."""
    pads = p["padding"]
    k, s, d = p["kernel_size"], p["stride"], p["dilation"]
    return tuple(np.arange(k[a]) * d[a] + (row, col)[a] * s[a] - pads[a][0] for a in (0, 1))


def _term(c: int, image: np.ndarray, ys: np.ndarray, xs: np.ndarray, kernel: np.ndarray) -> ChannelTerm:
    h, w = image.shape
    inside = ((ys >= 0) & (ys < h))[:, None] & ((xs >= 0) & (xs < w))[None, :]
    window = np.where(inside, image[np.clip(ys, 0, h - 1)][:, np.clip(xs, 0, w - 1)], 0).astype(image.dtype)
    partial = float(np.sum(window.astype(np.float64) * kernel.astype(np.float64)))
    return ChannelTerm(c, window, ~inside, kernel, partial)


def _field(net: Network, node_id: str, acts, row: int, col: int) -> Box | None:
    feeds = [n.id for n in net if n.decl.is_input and n.id in acts]
    if not feeds:
        return None
    return receptive_box(net, node_id, row, col, input_shape=acts[feeds[0]].shape[1:])
