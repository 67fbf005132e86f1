"""Layers that join several inputs: Add and Concat."""
from __future__ import annotations

import numpy as np

from .. import kernels
from .base import LayerType, ShapeError, fmt_shape
from .registry import register


class _Merge(LayerType):
    family = "Merge"
    min_inputs = 2
    max_inputs = None


@register
class Add(_Merge):
    name = "Add"
    summary = "Adds its inputs element by element (residual connections); shapes must be equal."
    card_hint = "element-wise sum"

    def output_shape(self, p, inputs):
        first = inputs[0]
        for other in inputs[1:]:
            if other != first:
                raise ShapeError(f"inputs {fmt_shape(first)} and {fmt_shape(other)} differ")
        return first

    def forward(self, p, xs, w, cancel=None):
        return kernels.add(*xs)

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """Every input receives the whole gradient."""
        return [g] * len(xs), {}


@register
class Concat(_Merge):
    name = "Concat"
    summary = "Stacks its inputs along the channels, in input order; heights and widths must match."
    card_hint = "stack channels"

    def output_shape(self, p, inputs):
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != len(first) or other[1:] != first[1:]:
                raise ShapeError(f"inputs {fmt_shape(first)} and {fmt_shape(other)} differ in size; "
                                 "only the channels may differ")
        return (sum(s[0] for s in inputs), *first[1:])

    def forward(self, p, xs, w, cancel=None):
        return kernels.concat(xs)

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """Each input gets back its own channels of the gradient."""
        cuts = np.cumsum([x.shape[1] for x in xs])[:-1]
        return list(np.split(g, cuts, axis=1)), {}
