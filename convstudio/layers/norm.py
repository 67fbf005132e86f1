"""BatchNorm2D in inference mode (running statistics)."""
from __future__ import annotations

import numpy as np

from .. import kernels
from .base import LayerType, require_image
from .params import Param
from .registry import register


@register
class BatchNorm2D(LayerType):
    name = "BatchNorm2D"
    family = "Normalization"
    summary = "Normalises each channel with its running mean and variance, then scales and shifts it."
    params = (Param("eps", "float", 1e-5, "Small number added to the variance to avoid dividing by zero.",
                    minimum=1e-12, maximum=1, exclusive_maximum=True),)
    trainable = ("weight", "bias")
    id_prefix, card_hint = "bn", "per channel"
    examples = ({"eps": 1e-3},)

    def count_lines(self, p, inputs, out):
        return [f"2 × {inputs[0][0]} = {self.param_count(p, inputs):,}  (scale and shift per channel)"]

    def output_shape(self, p, inputs):
        return require_image(inputs)

    def weight_shapes(self, p, inputs):
        c = inputs[0][0]
        return {n: (c,) for n in ("weight", "bias", "running_mean", "running_var")}

    def init_weights(self, p, inputs, rng):
        c = inputs[0][0]
        one, zero = np.ones(c, np.float32), np.zeros(c, np.float32)
        return {"weight": one, "bias": zero, "running_mean": zero.copy(), "running_var": one.copy()}

    def forward(self, p, xs, w, cancel=None):
        return kernels.batch_norm2d(xs[0], w["weight"], w["bias"], w["running_mean"], w["running_var"], p["eps"])
