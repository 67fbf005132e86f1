"""The Input layer: where images enter the network."""
from __future__ import annotations

from .base import LayerType
from .params import Param
from .registry import register


@register
class Input(LayerType):
    name = "Input"
    family = "Input"
    summary = "The image the network receives: channels × height × width."
    min_inputs = 0
    max_inputs = 0
    is_input, card_hint = True, "the image, C×H×W"
    examples = ({"channels": 8, "height": 12, "width": 10},)
    params = (
        Param("channels", "int", 3, "Colour channels: 3 for RGB, 1 for grayscale.", letter="C",
              minimum=1, maximum=65536),
        Param("height", "int", 64, "Image height in pixels.", letter="H", minimum=1, maximum=16384),
        Param("width", "int", 64, "Image width in pixels.", letter="W", minimum=1, maximum=16384),
    )

    def key_params(self, p):
        return f"{p['channels']}×{p['height']}×{p['width']}"

    def output_shape(self, p, inputs):
        return (p["channels"], p["height"], p["width"])

    def forward(self, p, xs, w, cancel=None):
        raise RuntimeError("Input layers are fed by the engine, not computed")
