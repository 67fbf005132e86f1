"""Convolution layers: Conv2D and ConvTranspose2D."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .. import kernels
from ..kernels.conv_grad import conv2d_input_grad, conv2d_weight_grad
from ..wording import counted
from . import arithmetic as ar
from .base import LayerType, Shape, ShapeError, Window, fmt_pair, require_image, uniform_fan_in
from .params import Param
from .registry import register

MAX_SIZE = 65536

FILTERS = Param("filters", "int", 16, "Number of filters K: the depth of the output.", letter="K",
                minimum=1, maximum=MAX_SIZE)
KERNEL = Param("kernel_size", "pair", 3, "Filter size F: the height × width of the window.", letter="F",
               minimum=1, maximum=4096)
STRIDE = Param("stride", "pair", 1, "Stride S: how many pixels the window jumps between outputs.",
               letter="S", minimum=1, maximum=4096)
PADDING = Param("padding", "padding", 0,
                'Padding P: zeros added around the border; "same" keeps the size at stride 1.',
                letter="P", minimum=0, maximum=4096)
DILATION = Param("dilation", "pair", 1, "Dilation D: spacing between kernel taps (1 = dense).",
                 letter="D", minimum=1, maximum=4096)
GROUPS = Param("groups", "int", 1,
               "Split channels into groups that convolve separately (groups = channels is depthwise).",
               minimum=1, maximum=MAX_SIZE)
BIAS = Param("bias", "bool", True, "Add one learned bias per filter.")


def _letters(p, padding_text: str) -> str:
    text = f"K{p['filters']} F{fmt_pair(p['kernel_size'])} S{fmt_pair(p['stride'])} P{padding_text}"
    if p["dilation"] != [1, 1]:
        text += f" D{fmt_pair(p['dilation'])}"
    if p["groups"] != 1:
        text += f" G{p['groups']}"
    return text


def _check_groups(c: int, k: int, groups: int, what: str = "filters") -> None:
    if c % groups:
        raise ShapeError(f"groups {groups} does not divide the {c} input channels")
    if k % groups:
        raise ShapeError(f"groups {groups} does not divide the {k} {what}")


def fit_message(axis: int, k: int, d: int, size: int, pad: tuple[int, int]) -> str:
    """Why a window does not fit, with the numbers plugged in."""
    need = ar.dilated(k, d)
    kernel = f"kernel {k} (dilated to {need})" if d > 1 else f"kernel {k}"
    pads = f"2×{pad[0]}" if pad[0] == pad[1] else f"{pad[0]} + {pad[1]}"
    return (f"{kernel} needs {need} pixels but the padded input is only "
            f"{size + pad[0] + pad[1]} {('tall', 'wide')[axis]} ({size} + {pads})")


def unvisited_message(axis: int, s: int, size: int, pad: tuple[int, int], left: int) -> str:
    """Warning for rows/columns the window never reaches because of the stride."""
    unit = ("row", "column")[axis]
    what = f"the last {unit}" if left == 1 else f"the last {left} {unit}s"
    total = size + pad[0] + pad[1]
    padded = " padded" if pad != (0, 0) else ""
    return f"stride {s} leaves {what} of the {total}-{('tall', 'wide')[axis]}{padded} input unvisited"


def sliding_shape(p, size: tuple[int, int], pads) -> tuple[int, int]:
    """Output (H, W) of a sliding window, or ShapeError when it does not fit."""
    out = []
    for axis in (0, 1):
        k, s, d = p["kernel_size"][axis], p["stride"][axis], p.get("dilation", [1, 1])[axis]
        o = ar.conv_out(size[axis], k, s, pads[axis], d)
        if o < 1:
            raise ShapeError(fit_message(axis, k, d, size[axis], pads[axis]))
        out.append(o)
    return out[0], out[1]


def sliding_warnings(p, size: tuple[int, int], pads) -> list[str]:
    """Unvisited trailing rows/columns, only when they hold input pixels (padding alone loses nothing).

    A window smaller than its stride skips pixels between every two positions by design (ResNet's
    1×1 stride-2 shortcuts), so the trailing ones are no surprise and get no warning.
    """
    notes = []
    for axis in (0, 1):
        k, s, d = p["kernel_size"][axis], p["stride"][axis], p.get("dilation", [1, 1])[axis]
        left = ar.uncovered(size[axis], k, s, pads[axis], d)
        if left > pads[axis][1] and ar.dilated(k, d) >= s:
            notes.append(unvisited_message(axis, s, size[axis], pads[axis], left))
    return notes


def conv_pads(p, size: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) for this layer on an input of `size`."""
    return tuple(
        ar.resolve_pad(p["padding"], size[a], p["kernel_size"][a], p["stride"][a],
                       p.get("dilation", [1, 1])[a], a)
        for a in (0, 1)
    )


def sliding_window(p, inputs) -> tuple[Window, Window]:
    c, h, w = inputs[0]
    pads = conv_pads(p, (h, w))
    d = p.get("dilation", [1, 1])
    return tuple(Window(ar.dilated(p["kernel_size"][a], d[a]), p["stride"][a], pads[a][0]) for a in (0, 1))


@register
class Conv2D(LayerType):
    name = "Conv2D"
    family = "Convolution"
    summary = "Slides K filters, each as deep as its input, over the image; one output channel per filter."
    params = (FILTERS, KERNEL, STRIDE, PADDING, DILATION, GROUPS, BIAS)
    trainable = ("weight", "bias")
    id_prefix, sliding, has_filters = "conv", "sum", True
    examples = ({"filters": 8, "kernel_size": 3, "stride": 2, "padding": "same"},
                {"filters": 8, "kernel_size": 3, "padding": 2, "dilation": 2, "groups": 8},
                {"filters": 12, "kernel_size": [1, 3], "padding": [0, 1], "groups": 4, "bias": False})

    def resolved(self, p, inputs):
        return {**p, "padding": conv_pads(p, inputs[0][1:])}

    def count_lines(self, p, inputs, out):
        c, g, (kh, kw), k = inputs[0][0], p["groups"], p["kernel_size"], p["filters"]
        bias = f" + {k}" if p["bias"] else ""
        lines = [f"{counted(k, 'filter')} × {c // g}×{kh}×{kw}{bias} = {self.param_count(p, inputs):,}"]
        if out is not None:
            positions = out[1] * out[2]
            lines.append(f"each filter is reused at all {positions:,} output positions (parameter sharing)"
                         if positions > 1 else "each filter is used at one output position only")
        return lines

    def key_params(self, p) -> str:
        pad = p["padding"]
        text = f"={pad}" if isinstance(pad, str) else fmt_pair(pad)
        return _letters(p, text)

    def output_shape(self, p, inputs: Sequence[Shape]) -> Shape:
        c, h, w = require_image(inputs)
        _check_groups(c, p["filters"], p["groups"])
        oh, ow = sliding_shape(p, (h, w), conv_pads(p, (h, w)))
        return (p["filters"], oh, ow)

    def warnings(self, p, inputs, out) -> list[str]:
        c, h, w = inputs[0]
        return sliding_warnings(p, (h, w), conv_pads(p, (h, w)))

    def weight_shapes(self, p, inputs) -> dict[str, Shape]:
        c = inputs[0][0]
        kh, kw = p["kernel_size"]
        shapes = {"weight": (p["filters"], c // p["groups"], kh, kw)}
        if p["bias"]:
            shapes["bias"] = (p["filters"],)
        return shapes

    def macs(self, p, inputs, out) -> int:
        c = inputs[0][0]
        return math.prod(out) * (c // p["groups"]) * math.prod(p["kernel_size"])

    def window(self, p, inputs):
        return sliding_window(p, inputs)

    def init_weights(self, p, inputs, rng):
        fan_in = (inputs[0][0] // p["groups"]) * math.prod(p["kernel_size"])
        return uniform_fan_in(rng, self.weight_shapes(p, inputs), fan_in)

    def forward(self, p, xs, w, cancel=None):
        x = xs[0]
        pads = conv_pads(p, x.shape[2:])
        return kernels.conv2d(x, w["weight"], w.get("bias"), stride=tuple(p["stride"]), padding=pads,
                              dilation=tuple(p["dilation"]), groups=p["groups"], cancel=cancel)

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """dL/dx is the transposed convolution of g with the same filters (the Sharing matrix
        transposed); dL/dW correlates x with g over every position the filter was used."""
        x = xs[0]
        geometry = dict(stride=tuple(p["stride"]), padding=conv_pads(p, x.shape[2:]),
                        dilation=tuple(p["dilation"]), groups=p["groups"], cancel=cancel)
        dx = conv2d_input_grad(g, w["weight"], x.shape, **geometry) if tape.wanted(0) else None
        grads = {"weight": conv2d_weight_grad(x, g, tuple(p["kernel_size"]), **geometry)}
        if "bias" in w:
            grads["bias"] = g.sum(axis=(0, 2, 3), dtype=np.float32)
        return [dx], grads


@register
class ConvTranspose2D(LayerType):
    name = "ConvTranspose2D"
    family = "Convolution"
    summary = "Transposed convolution: spreads each input pixel over a K-deep F×F patch to upsample."
    params = (
        FILTERS, KERNEL, STRIDE,
        Param("padding", "pair", 0, "Padding P removed from each border of the output.", letter="P",
              minimum=0, maximum=4096),
        Param("output_padding", "pair", 0,
              "Extra rows/columns added to one side of the output (the a of the arithmetic guide).",
              minimum=0, maximum=4096),
        DILATION, GROUPS, BIAS,
    )
    trainable = ("weight", "bias")
    id_prefix, transposed = "deconv", True
    examples = ({"filters": 6, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
                {"filters": 4, "kernel_size": [2, 3], "dilation": 2, "bias": False})

    def count_lines(self, p, inputs, out):
        c, g, (kh, kw), k = inputs[0][0], p["groups"], p["kernel_size"], p["filters"]
        bias = f" + {k}" if p["bias"] else ""
        return [f"{c} × {k // g}×{kh}×{kw}{bias} = {self.param_count(p, inputs):,}"]

    def key_params(self, p) -> str:
        pad = p["padding"]
        return _letters(p, fmt_pair(pad))

    def output_shape(self, p, inputs) -> Shape:
        c, h, w = require_image(inputs)
        _check_groups(c, p["filters"], p["groups"])
        out = []
        for axis, size in enumerate((h, w)):
            s, d, a = p["stride"][axis], p["dilation"][axis], p["output_padding"][axis]
            if a >= max(s, d):
                raise ShapeError(f"output padding {a} must be smaller than the stride {s} or the dilation {d}")
            o = ar.transposed_out(size, p["kernel_size"][axis], s, p["padding"][axis], a, d)
            if o < 1:
                raise ShapeError(f"padding {p['padding'][axis]} removes the whole "
                                 f"{('height', 'width')[axis]} of the output")
            out.append(o)
        return (p["filters"], out[0], out[1])

    def weight_shapes(self, p, inputs) -> dict[str, Shape]:
        c = inputs[0][0]
        shapes = {"weight": (c, p["filters"] // p["groups"], *p["kernel_size"])}
        if p["bias"]:
            shapes["bias"] = (p["filters"],)
        return shapes

    def macs(self, p, inputs, out) -> int:
        return math.prod(inputs[0]) * (p["filters"] // p["groups"]) * math.prod(p["kernel_size"])

    def window(self, p, inputs):
        d = p["dilation"]
        return tuple(Window(ar.dilated(p["kernel_size"][a], d[a]), 1, p["padding"][a], p["stride"][a])
                     for a in (0, 1))

    def init_weights(self, p, inputs, rng):
        fan_in = (p["filters"] // p["groups"]) * math.prod(p["kernel_size"])
        return uniform_fan_in(rng, self.weight_shapes(p, inputs), fan_in)

    def forward(self, p, xs, w, cancel=None):
        return kernels.conv_transpose2d(
            xs[0], w["weight"], w.get("bias"), stride=tuple(p["stride"]), padding=tuple(p["padding"]),
            output_padding=tuple(p["output_padding"]), dilation=tuple(p["dilation"]),
            groups=p["groups"], cancel=cancel)

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """The transpose of a convolution: dL/dx is that convolution applied to g, and dL/dW the
        same correlation as Conv2D's with the roles of input and output swapped."""
        x = xs[0]
        pads = tuple((q, q) for q in p["padding"])
        geometry = dict(stride=tuple(p["stride"]), padding=pads, dilation=tuple(p["dilation"]),
                        groups=p["groups"], cancel=cancel)
        h, wd = x.shape[2:]
        dx = kernels.conv2d(g, w["weight"], None, **geometry)[:, :, :h, :wd]  # output_padding rows
        grads = {"weight": conv2d_weight_grad(g, x, tuple(p["kernel_size"]), **geometry)}
        if "bias" in w:
            grads["bias"] = g.sum(axis=(0, 2, 3), dtype=np.float32)
        return [dx], grads
