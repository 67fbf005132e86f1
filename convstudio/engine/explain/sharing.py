"""Parameter sharing in numbers: a convolution written as one big matrix, counted without building it.

A convolution is linear, so it equals (output positions·K) × (input positions·C) matrix
times the flattened input. Most entries are zero and the non-zero ones are copies of the
few kernel weights: those repeated entries are the "shared" parameters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...wording import a
from ...errors import ConvStudioError
from ...graph import Network
from ...layers import arithmetic as ar
from ..infer import Report, infer

DENSE_LIMIT = 1 << 22  # matrix entries the app builds and draws; above this it shows counts only

Pair = tuple[int, int]


@dataclass(frozen=True)
class ConvConfig:
    """One Conv2D on one input: C×H×W in, K filters of kh×kw, explicit per-side padding."""

    channels: int
    filters: int
    height: int
    width: int
    kernel: Pair
    stride: Pair = (1, 1)
    padding: tuple[Pair, Pair] = ((0, 0), (0, 0))  # ((top, bottom), (left, right))
    dilation: Pair = (1, 1)
    groups: int = 1

    @property
    def output(self) -> Pair:
        return tuple(ar.conv_out((self.height, self.width)[a], self.kernel[a], self.stride[a], self.padding[a],
                                 self.dilation[a]) for a in (0, 1))

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.filters, self.channels // self.groups, *self.kernel)

    @property
    def matrix_shape(self) -> Pair:
        oh, ow = self.output
        return self.filters * oh * ow, self.channels * self.height * self.width


def conv_config(channels: int, filters: int, height: int, width: int, kernel, stride=1, padding=0,
                dilation=1, groups: int = 1) -> ConvConfig:
    """A checked ConvConfig from ints or pairs; padding may also be ((top, bottom), (left, right))."""
    pads = _padding(padding)
    cfg = ConvConfig(channels, filters, height, width, _pair(kernel), _pair(stride), pads, _pair(dilation), groups)
    if min(channels, filters, height, width, groups, *cfg.kernel, *cfg.stride, *cfg.dilation) < 1:
        raise ConvStudioError("channels, filters, sizes, kernel, stride, dilation and groups must all be ≥ 1")
    if channels % groups or filters % groups:
        raise ConvStudioError(f"groups {groups} must divide both the {channels} channels and the {filters} filters")
    if min(cfg.output) < 1:
        raise ConvStudioError(f"the kernel does not fit: the output would be {cfg.output[0]}×{cfg.output[1]}")
    return cfg


def node_config(net: Network, node_id: str, report: Report | None = None) -> ConvConfig:
    """The ConvConfig of a Conv2D node on the input shape `infer` gives it."""
    node = net.node(node_id)
    if not node.decl.has_filters:
        raise ConvStudioError(f"{node_id} is {a(node.type)} layer; parameter sharing is shown for Conv2D layers")
    rep = (report or infer(net)).nodes[node_id]
    if not rep.ok:
        raise ConvStudioError(f"{node_id}: its input shape is unknown; fix the errors above it first")
    c, h, w = rep.input_shapes[0]
    p = node.params
    pads = node.decl.resolved(p, [(c, h, w)])["padding"]
    return conv_config(c, p["filters"], h, w, p["kernel_size"], p["stride"], pads, p["dilation"],
                       p["groups"])


def _pair(v) -> Pair:
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def _padding(v) -> tuple[Pair, Pair]:
    if np.ndim(v) == 0:
        return (int(v), int(v)), (int(v), int(v))
    return tuple((int(a), int(a)) if np.ndim(a) == 0 else (int(a[0]), int(a[1])) for a in v)


@dataclass(frozen=True)
class SharingCounts:
    weights: int  # K · C/groups · kh · kw: the kernel weights (bias not included)
    distinct: int  # weights that appear in the matrix at all (taps that only ever see padding do not)
    nonzeros: int  # non-zero entries: weights an unshared ("locally connected") layer would need
    dense: int  # every entry of the matrix, rows · columns
    shape: Pair  # (rows, columns)
    copies: np.ndarray  # (kh, kw): how often each tap's weight is repeated, for every (k, c) pair

    @property
    def reuse(self) -> float:
        """Average number of matrix entries sharing one weight."""
        return self.nonzeros / self.distinct if self.distinct else 0.0


def tap_uses(size: int, k: int, s: int, pad: Pair, d: int, out: int) -> np.ndarray:
    """For each tap j, how many of the `out` window positions put it on a real input pixel."""
    j = np.arange(k)
    offset = j * d - pad[0]  # input index of tap j at output position o is o·s + offset
    lo = np.maximum(0, -(offset // s))  # ceil(−offset / s)
    hi = np.minimum(out - 1, (size - 1 - offset) // s)
    return np.maximum(hi - lo + 1, 0)


def sharing_counts(cfg: ConvConfig) -> SharingCounts:
    """The matrix's counts in closed form, cheap for any layer size."""
    oh, ow = cfg.output
    uses = [tap_uses((cfg.height, cfg.width)[a], cfg.kernel[a], cfg.stride[a], cfg.padding[a], cfg.dilation[a],
                     (oh, ow)[a]) for a in (0, 1)]
    pairs = cfg.filters * (cfg.channels // cfg.groups)
    rows, cols = cfg.matrix_shape
    return SharingCounts(
        weights=pairs * math.prod(cfg.kernel),
        distinct=pairs * int(np.count_nonzero(uses[0])) * int(np.count_nonzero(uses[1])),
        nonzeros=pairs * int(uses[0].sum()) * int(uses[1].sum()),
        dense=rows * cols,
        shape=(rows, cols),
        copies=np.outer(uses[0], uses[1]),
    )


def too_big(cfg: ConvConfig, limit: int = DENSE_LIMIT) -> bool:
    """True when the dense matrix has more than `limit` entries: show counts, not the matrix."""
    rows, cols = cfg.matrix_shape
    return rows * cols > limit
