"""Element-wise activations and Softmax; they keep the shape of their input."""
from __future__ import annotations

from .. import kernels
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


@register
class Sigmoid(_Pointwise):
    name = "Sigmoid"
    summary = "1 / (1 + e^−x): squashes every value into (0, 1)."

    def forward(self, p, xs, w, cancel=None):
        return kernels.sigmoid(xs[0])


@register
class Tanh(_Pointwise):
    name = "Tanh"
    summary = "Hyperbolic tangent: squashes every value into (−1, 1)."

    def forward(self, p, xs, w, cancel=None):
        return kernels.tanh(xs[0])


@register
class Softmax(_Pointwise):
    name = "Softmax"
    summary = "Turns scores into probabilities that sum to 1 over the channels (per pixel)."
    elementwise, probabilities, card_hint = False, True, "over the channels"

    def forward(self, p, xs, w, cancel=None):
        return kernels.softmax(xs[0], axis=1)


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
