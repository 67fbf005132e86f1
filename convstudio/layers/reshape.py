"""Layers that change the layout without weights: Flatten, Upsample2D, ZeroPad2D, ChannelShuffle."""
from __future__ import annotations

import math

from .. import kernels
from .base import GLOBAL, LayerType, ShapeError, Window, fmt_pair, require_image
from .params import Param
from .registry import register


@register
class Flatten(LayerType):
    name = "Flatten"
    family = "Reshape"
    summary = "Unrolls C×H×W into one vector of C·H·W values (channel by channel, row by row)."
    card_hint, flattens = "C·H·W → one vector", True

    def output_shape(self, p, inputs):
        return (math.prod(inputs[0]),)

    def window(self, p, inputs):
        return GLOBAL if len(inputs[0]) == 3 else None

    def forward(self, p, xs, w, cancel=None):
        return kernels.flatten(xs[0])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        return [g.reshape(xs[0].shape)], {}


@register
class Upsample2D(LayerType):
    name = "Upsample2D"
    family = "Reshape"
    summary = "Repeats each pixel to enlarge the image (nearest neighbour)."
    params = (Param("scale_factor", "pair", 2, "How many times taller and wider the output is.",
                    letter="S", minimum=1, maximum=64),)
    id_prefix = "up"
    examples = ({"scale_factor": [2, 3]},)

    def key_params(self, p):
        return f"×{fmt_pair(p['scale_factor'])}"

    def output_shape(self, p, inputs):
        c, h, w = require_image(inputs)
        return (c, h * p["scale_factor"][0], w * p["scale_factor"][1])

    def window(self, p, inputs):
        return tuple(Window(1, 1, 0, p["scale_factor"][a]) for a in (0, 1))

    def forward(self, p, xs, w, cancel=None):
        return kernels.upsample_nearest2d(xs[0], tuple(p["scale_factor"]))

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """Each input pixel collects the gradients of the copies it was repeated into."""
        n, c, h, wd = xs[0].shape
        sh, sw = p["scale_factor"]
        return [g.reshape(n, c, h, sh, wd, sw).sum(axis=(3, 5))], {}


@register
class ZeroPad2D(LayerType):
    name = "ZeroPad2D"
    family = "Reshape"
    summary = "Adds rows and columns of zeros around the image."
    params = (Param("padding", "pad4", 1, "Zeros added: one number, [height, width] or [top, bottom, left, right].",
                    letter="P", minimum=0, maximum=4096),)
    id_prefix = "pad"
    examples = ({"padding": [1, 0, 2, 3]},)

    def key_params(self, p):
        t, b, l, r = p["padding"]
        return f"P{t}" if t == b == l == r else "P" + ",".join(map(str, p["padding"]))

    def output_shape(self, p, inputs):
        c, h, w = require_image(inputs)
        t, b, l, r = p["padding"]
        return (c, h + t + b, w + l + r)

    def window(self, p, inputs):
        t, b, l, r = p["padding"]
        return Window(1, 1, t), Window(1, 1, l)

    def forward(self, p, xs, w, cancel=None):
        t, b, l, r = p["padding"]
        return kernels.zero_pad2d(xs[0], ((t, b), (l, r)))

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        t, b, l, r = p["padding"]
        h, wd = xs[0].shape[2:]
        return [g[:, :, t:t + h, l:l + wd]], {}

@register
class ChannelShuffle(LayerType):
    name = "ChannelShuffle"
    family = "Reshape"
    summary = ("Interleaves the channels of G groups so the next grouped convolution mixes them "
               "(ShuffleNet).")
    params = (Param("groups", "int", 2, "Number of groups G whose channels are interleaved.", letter="G",
                    minimum=1, maximum=65536),)
    id_prefix = "shuffle"
    examples = ({"groups": 4},)

    def key_params(self, p):
        return f"G{p['groups']}"

    def output_shape(self, p, inputs):
        c, h, w = require_image(inputs)
        if c % p["groups"]:
            raise ShapeError(f"groups {p['groups']} does not divide the {c} input channels")
        return (c, h, w)

    def forward(self, p, xs, w, cancel=None):
        return kernels.channel_shuffle(xs[0], p["groups"])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """The inverse shuffle: C/G groups of G channels interleaved back."""
        return [kernels.channel_shuffle(g, g.shape[1] // p["groups"])], {}
