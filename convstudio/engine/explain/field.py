"""Which pixels of the network's input image can change one output pixel of a layer.

`engine.receptive.Field.box` gives the textbook field, which may reach into padding.
Clipping it to the image is not enough at the borders: a pixel near the edge may only
read padding cells of some earlier layer, and those hold zeros whatever the image is.
So the clipped box here follows the pixel back layer by layer, clipping at every
layer's own input, and is empty when the pixel sees nothing but padding.
"""
from __future__ import annotations

from dataclasses import dataclass

from ... import layers
from ...errors import ConvStudioError
from ...graph import Network
from ..infer import Report, infer

Span = tuple[int, int]  # first and last index, inclusive; first > last means empty
ALL = "all"  # a flat vector: every value depends on the whole input


@dataclass(frozen=True)
class Box:
    """Input-image rectangle, inclusive on all sides; `unclipped` is Field.box, which may reach into padding."""

    top: int
    left: int
    bottom: int
    right: int
    unclipped: tuple[float, float, float, float]
    whole: bool = False  # the layer sees the whole image (after Flatten, Dense, global pooling)

    @property
    def empty(self) -> bool:
        """True when the output pixel sees only padding: no input pixel can change it."""
        return self.top > self.bottom or self.left > self.right

    @property
    def size(self) -> tuple[int, int]:
        return (0, 0) if self.empty else (self.bottom - self.top + 1, self.right - self.left + 1)

    def contains(self, y: int, x: int) -> bool:
        return self.top <= y <= self.bottom and self.left <= x <= self.right


def receptive_box(net: Network, node_id: str, row: int, col: int, report: Report | None = None,
                  input_shape: tuple[int, int, int] | None = None) -> Box:
    """The receptive field of output pixel (row, col) of `node_id` on the (first) input image.

    Pass `input_shape` (C, H, W) when the run used an image size other than the Input layer's.
    """
    report = report or infer(net, input_shape=input_shape)
    rep = report.nodes[node_id]
    field = rep.receptive_field
    if field is None or rep.shape is None:
        raise ConvStudioError(f"{node_id}: its receptive field is unknown (the layer has no image input shape)")
    if len(rep.shape) == 3 and not (0 <= row < rep.shape[1] and 0 <= col < rep.shape[2]):
        raise ConvStudioError(f"{node_id}: pixel ({row}, {col}) is outside its {rep.shape[1]}×{rep.shape[2]} output")
    start = ALL if len(rep.shape) != 3 else ((row, row), (col, col))
    spans = _trace_back(net, report, node_id, start)
    source = next((i for i in report.inputs if i in spans), None)
    h, w = field.extent
    found = _resolve(spans[source], (None, h, w)) if source else ((0, -1), (0, -1))
    (top, bottom), (left, right) = found
    return Box(top, left, bottom, right, field.box(row, col), field.whole)


def _trace_back(net: Network, report: Report, node_id: str, start) -> dict:
    """Bounding spans each upstream node contributes through, from `node_id` back to the inputs."""
    spans = {node_id: start}
    order = report.order[:report.order.index(node_id) + 1]
    for nid in reversed(order):
        node = net.node(nid)
        if nid not in spans or node.decl.is_input:
            continue
        rep = report.nodes[nid]
        here = _resolve(spans[nid], rep.shape)
        window = layers.get(node.type).window(node.params, rep.input_shapes)
        for src, shape in zip(node.inputs, rep.input_shapes):
            back = _step_back(here, window, shape)
            if back is not None:
                spans[src] = _union(spans.get(src), back)
    return spans


def _resolve(span, shape):
    """Turn ALL into the full extent of an image shape (flat shapes stay ALL)."""
    if span is ALL and len(shape) == 3:
        return (0, shape[1] - 1), (0, shape[2] - 1)
    return span


def _step_back(span, window, shape):
    """The span of the layer's input read by `span` of its output; None when only padding is read."""
    if len(shape) != 3:
        return ALL
    if span is ALL or window == layers.GLOBAL:
        return (0, shape[1] - 1), (0, shape[2] - 1)
    if window is None:
        return span
    out = []
    for (a, b), w, size in zip(span, window, shape[1:]):
        if w.upscale > 1:
            lo, hi = (a + w.pad - (w.kernel - 1)) // w.upscale, (b + w.pad) // w.upscale
        else:
            lo, hi = a * w.stride - w.pad, b * w.stride - w.pad + w.kernel - 1
        lo, hi = max(lo, 0), min(hi, size - 1)
        if lo > hi:
            return None
        out.append((lo, hi))
    return tuple(out)


def _union(old, new):
    if old is None:
        return new
    if old is ALL or new is ALL:
        return ALL
    return tuple((min(o[0], n[0]), max(o[1], n[1])) for o, n in zip(old, new))

