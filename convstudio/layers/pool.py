"""Pooling layers: MaxPool2D, AvgPool2D, GlobalAvgPool2D."""
from __future__ import annotations

from .. import kernels
from ..kernels.pool import (avg_pool2d_backward, global_avg_pool2d_backward, max_pool2d_backward,
                            max_pool2d_with_taps)
from .base import GLOBAL, LayerType, ShapeError, Window, fmt_pair, require_image
from .conv import sliding_shape, sliding_warnings
from .params import Param
from .registry import register

POOL_PARAMS = (
    Param("kernel_size", "pair", 2, "Window size F: the height × width pooled into one value.", letter="F",
          minimum=1, maximum=4096),
    Param("stride", "pair", None, "Stride S: jump between windows; empty means the kernel size.", letter="S",
          minimum=1, maximum=4096, nullable=True, null_means="kernel size"),
    Param("padding", "pair", 0, "Padding P on each border, at most half the kernel.", letter="P",
          minimum=0, maximum=2048),
)


def _resolved(p) -> dict:
    """The parameters with the stride filled in from the kernel when empty."""
    return {**p, "stride": p["stride"] or p["kernel_size"]}


def _pads(p):
    return tuple((p["padding"][a], p["padding"][a]) for a in (0, 1))


class _Pool(LayerType):
    family = "Pooling"
    params = POOL_PARAMS

    def resolved(self, p, inputs):
        return {**_resolved(p), "dilation": [1, 1], "padding": _pads(p)}

    def key_params(self, p) -> str:
        q = _resolved(p)
        text = f"F{fmt_pair(q['kernel_size'])} S{fmt_pair(q['stride'])}"
        return text + (f" P{fmt_pair(q['padding'])}" if q["padding"] != [0, 0] else "")

    def output_shape(self, p, inputs):
        c, h, w = require_image(inputs)
        q = _resolved(p)
        for a in (0, 1):
            if 2 * q["padding"][a] > q["kernel_size"][a]:
                raise ShapeError(f"padding {q['padding'][a]} is more than half the kernel {q['kernel_size'][a]}")
        oh, ow = sliding_shape(q, (h, w), _pads(q))
        return (c, oh, ow)

    def warnings(self, p, inputs, out):
        return sliding_warnings(_resolved(p), inputs[0][1:], _pads(p))

    def window(self, p, inputs):
        q = _resolved(p)
        return tuple(Window(q["kernel_size"][a], q["stride"][a], q["padding"][a]) for a in (0, 1))

    def _args(self, p):
        q = _resolved(p)
        return tuple(q["kernel_size"]), tuple(q["stride"]), tuple(q["padding"])


@register
class MaxPool2D(_Pool):
    name = "MaxPool2D"
    summary = "Keeps the largest value of each F×F window, channel by channel."
    id_prefix, sliding = "pool", "max"
    examples = ({"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1})

    def forward(self, p, xs, w, cancel=None):
        return kernels.max_pool2d(xs[0], *self._args(p))

    def forward_train(self, p, xs, w, tape, cancel=None):
        """The forward that also keeps each window's arg-max (one byte per output for small
        windows), so the backward need not search the windows again."""
        out, tape.saved["taps"] = max_pool2d_with_taps(xs[0], *self._args(p))
        return out

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """Each window's gradient goes wholly to the position of its maximum; the rest get 0."""
        return [max_pool2d_backward(xs[0], g, *self._args(p), taps=tape.saved.get("taps"))], {}


@register
class AvgPool2D(_Pool):
    name = "AvgPool2D"
    summary = "Averages each F×F window, channel by channel (padding counts as zeros)."
    params = POOL_PARAMS + (Param("count_include_pad", "bool", True,
                                  "Count the padded zeros in the average (off: average the image pixels only)."),)
    id_prefix, sliding = "avgpool", "mean"
    examples = ({"kernel_size": 3, "stride": 1, "padding": 1}, {"kernel_size": [2, 3], "stride": [2, 1]},
                {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False})

    def forward(self, p, xs, w, cancel=None):
        return kernels.avg_pool2d(xs[0], *self._args(p), count_include_pad=p["count_include_pad"])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        """Each window's gradient is spread evenly over it, padding in the divisor unless left out."""
        return [avg_pool2d_backward(xs[0].shape, g, *self._args(p), p["count_include_pad"])], {}


@register
class GlobalAvgPool2D(LayerType):
    name = "GlobalAvgPool2D"
    family = "Pooling"
    summary = "Averages each channel over the whole image: C×H×W becomes C×1×1."
    id_prefix, card_hint = "gap", "mean over H×W"

    def output_shape(self, p, inputs):
        c, h, w = require_image(inputs)
        return (c, 1, 1)

    def window(self, p, inputs):
        return GLOBAL

    def forward(self, p, xs, w, cancel=None):
        return kernels.global_avg_pool2d(xs[0])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        return [global_avg_pool2d_backward(xs[0].shape, g)], {}
