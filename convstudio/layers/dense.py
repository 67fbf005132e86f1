"""Dense (fully connected) layer."""
from __future__ import annotations

from .. import kernels
from .base import GLOBAL, LayerType, ShapeError, uniform_fan_in
from .params import Param
from .registry import register


@register
class Dense(LayerType):
    name = "Dense"
    family = "Dense"
    summary = "Fully connected: every output is a weighted sum of every input value."
    params = (
        Param("units", "int", 10, "Number of outputs (for the last layer: the number of classes).",
              letter="K", minimum=1, maximum=1 << 20),
        Param("bias", "bool", True, "Add one learned bias per output."),
    )
    trainable = ("weight", "bias")
    fully_connected = True
    examples = ({"units": 7, "bias": False}, {"units": 5})

    def count_lines(self, p, inputs, out):
        bias = f" + {p['units']}" if p["bias"] else ""
        return [f"{p['units']} × {inputs[0][0]}{bias} = {self.param_count(p, inputs):,}",
                "every output has its own weight for every input value (nothing is shared)"]

    def key_params(self, p):
        return f"K{p['units']}"

    def output_shape(self, p, inputs):
        if len(inputs[0]) != 1:
            raise ShapeError("expects a flat input; add Flatten or use GlobalAvgPool2D")
        return (p["units"],)

    def weight_shapes(self, p, inputs):
        shapes = {"weight": (p["units"], inputs[0][0])}
        if p["bias"]:
            shapes["bias"] = (p["units"],)
        return shapes

    def macs(self, p, inputs, out):
        return inputs[0][0] * p["units"]

    def window(self, p, inputs):
        return GLOBAL

    def init_weights(self, p, inputs, rng):
        return uniform_fan_in(rng, self.weight_shapes(p, inputs), inputs[0][0])

    def forward(self, p, xs, w, cancel=None):
        return kernels.dense(xs[0], w["weight"], w.get("bias"))

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """dL/dx = g·W, dL/dW = gᵀ·x (the outer product of g and the input, summed over the batch)."""
        grads = {"weight": g.T @ xs[0]}
        if "bias" in w:
            grads["bias"] = g.sum(axis=0)
        return [g @ w["weight"]], grads
