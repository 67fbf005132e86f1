"""Element-wise activations and Softmax; they keep the shape of their input."""
from __future__ import annotations

import numpy as np

from .. import kernels
from ..kernels.elementwise import relu_backward
from .base import LayerType
from .params import Param
from .registry import register


class _Pointwise(LayerType):
    family = "Activation"
    elementwise = channelwise = True

    def output_shape(self, p, inputs):
        return inputs[0]


@register
class ReLU(_Pointwise):
    name = "ReLU"
    summary = "max(0, x): keeps positive responses, zeroes negative ones."

    def forward(self, p, xs, w, cancel=None):
        return kernels.relu(xs[0])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """The gradient passes where the input was > 0 and is 0 elsewhere."""
        return [relu_backward(xs[0], g)], {}


@register
class LeakyReLU(_Pointwise):
    name = "LeakyReLU"
    summary = "Like ReLU but lets a small fraction of negative values through."
    params = (Param("negative_slope", "float", 0.01, "Factor applied to negative values.",
                    minimum=0, maximum=1),)
    examples = ({"negative_slope": 0.2},)

    def key_params(self, p):
        return f"α{p['negative_slope']:g}"

    def forward(self, p, xs, w, cancel=None):
        return kernels.leaky_relu(xs[0], p["negative_slope"])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        return [np.where(xs[0] > 0, g, g * g.dtype.type(p["negative_slope"]))], {}


@register
class Sigmoid(_Pointwise):
    name = "Sigmoid"
    summary = "1 / (1 + e^−x): squashes every value into (0, 1)."

    def forward(self, p, xs, w, cancel=None):
        return kernels.sigmoid(xs[0])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        return [g * y * (1 - y)], {}


@register
class Tanh(_Pointwise):
    name = "Tanh"
    summary = "Hyperbolic tangent: squashes every value into (−1, 1)."

    def forward(self, p, xs, w, cancel=None):
        return kernels.tanh(xs[0])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        return [g * (1 - y * y)], {}


@register
class Softmax(_Pointwise):
    name = "Softmax"
    summary = "Turns scores into probabilities that sum to 1 over the channels (per pixel)."
    elementwise, card_hint = False, "over the channels"
    outputs_probabilities = True

    def forward(self, p, xs, w, cancel=None):
        return kernels.softmax(xs[0], axis=1)

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """y·(g − Σ g·y) over the channels: the Jacobian of softmax applied to g."""
        return [y * (g - (g * y).sum(axis=1, keepdims=True))], {}


@register
class Dropout(_Pointwise):
    name = "Dropout"
    family = "Activation"
    summary = "Zeroes random values while training; passes everything through when running."
    params = (Param("rate", "float", 0.5, "Fraction of values dropped during training.",
                    minimum=0, maximum=1, exclusive_maximum=True),)
    examples = ({"rate": 0.3},)

    def key_params(self, p):
        return f"p{p['rate']:g}"

    def forward(self, p, xs, w, cancel=None):
        return xs[0]

    def forward_train(self, p, xs, w, tape, cancel=None):
        """Inverted dropout: zero a seeded random fraction and scale the rest by 1/(1 − rate),
        so that running without dropping needs no rescaling."""
        x, rate = xs[0], p["rate"]
        if not tape.training or rate == 0:
            return x
        keep = tape.rng.random(x.shape, dtype=np.float32) >= rate
        tape.saved["mask"] = keep.astype(x.dtype) / x.dtype.type(1 - rate)
        return x * tape.saved["mask"]

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        mask = tape.saved.get("mask")
        return [g if mask is None else g * mask], {}
