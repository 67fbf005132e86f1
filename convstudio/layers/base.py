"""The layer declaration: one subclass of `LayerType` per layer type.

A declaration says everything the rest of the program needs about a type — its
parameters, how many inputs it takes, its output-shape rule, its parameter and MAC
counts, its weights and their initialisation, its receptive-field window and its
NumPy forward — so adding a type means writing one class in one file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping, Sequence

import numpy as np

from .params import Param

Shape = tuple[int, ...]
Params = Mapping[str, Any]
Weights = Mapping[str, np.ndarray]
Cancel = Callable[[], bool] | None


class ShapeError(ValueError):
    """The layer cannot take its inputs; the message is plain language without the node id."""


@dataclass(frozen=True)
class Window:
    """How one spatial axis of a layer maps output pixels to input pixels.

    `kernel` is the dilated extent, `stride` the step, `pad` the padding before the
    first pixel; `upscale` > 1 means each input pixel feeds several outputs.
    """

    kernel: int = 1
    stride: int = 1
    pad: int = 0
    upscale: int = 1


GLOBAL = "global"


@dataclass
class Tape:
    """One node's share of a training pass: how it behaves and what its backward needs.

    `training` switches BatchNorm to batch statistics and Dropout to dropping (drawn from
    `rng`); `saved` holds what the forward computed for the backward (a mask, x̂, σ);
    `updates` holds new values of arrays that are kept but not trained (running
    statistics), applied by the caller only when the whole step succeeds.
    """

    training: bool = True
    rng: np.random.Generator | None = None
    saved: dict[str, Any] = field(default_factory=dict)
    updates: dict[str, np.ndarray] = field(default_factory=dict)
    # Which inputs' gradients are wanted; a layer may return None for the others (an image's).
    wants: tuple[bool, ...] | None = None

    def wanted(self, i: int) -> bool:
        return self.wants is None or self.wants[i]


# dL/d(each input) in input order, and dL/d(each trainable array) by name.
Grads = tuple[list[np.ndarray], dict[str, np.ndarray]]


class LayerType:
    """Base class of a layer declaration; subclasses set the class attributes."""

    name: ClassVar[str]
    family: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    trainable: ClassVar[tuple[str, ...]] = ()
    # Its output is a probability distribution over the channels: a loss reads its input as logits.
    outputs_probabilities: ClassVar[bool] = False

    # -- what the type is and can do: the rest of the program asks these, never the type name --
    id_prefix: ClassVar[str] = ""  # stem of new layer ids ("conv"); empty means the name in lower case
    card_hint: ClassVar[str] = ""  # what it does, on its canvas card when it has no settings to show
    is_input: ClassVar[bool] = False  # data enters the network here; the engine feeds it
    elementwise: ClassVar[bool] = False  # each output value depends only on the input value at its place
    channelwise: ClassVar[bool] = False  # acts per position across channels: on K×1×1 as on a vector of K
    sliding: ClassVar[str] = ""  # a window sliding over the image, and how it reduces: "sum", "max", "mean"
    has_filters: ClassVar[bool] = False  # weight K × C/groups × F × F: one filter per output channel
    transposed: ClassVar[bool] = False  # spreads each input pixel over a window, o′ = s(i′ − 1) + a + k̂ − 2p
    fully_connected: ClassVar[bool] = False  # every output has its own weight for every input value
    flattens: ClassVar[bool] = False  # unrolls C×H×W into one vector, channel by channel, row by row
    examples: ClassVar[tuple[dict, ...]] = ({},)  # settings worth testing (exports, import, torch)

    def resolved(self, p: Params, inputs: Sequence[Shape]) -> dict[str, Any]:
        """The parameters with every implicit choice spelled out for these input shapes.

        Sliding windows give padding as ((top, bottom), (left, right)) ("same" worked out for the input),
        stride and dilation as numbers (an empty pool stride is the kernel size).
        """
        return dict(p)

    def count_lines(self, p: Params, inputs: Sequence[Shape], out: Shape | None) -> list[str]:
        """How the parameter count is made, with this layer's numbers (for the inspector)."""
        return []

    # -- parameters -----------------------------------------------------------------
    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def prefix(self) -> str:
        return self.id_prefix or self.name.lower()

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.coerce(p.default) if p.default is not None else None for p in self.params}

    def key_params(self, p: Params) -> str:
        """Short label in the seed's notation, e.g. `K64 F3 S1 P1`."""
        return ""

    # -- shapes and costs -------------------------------------------------------------
    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        raise NotImplementedError

    def weight_shapes(self, p: Params, inputs: Sequence[Shape]) -> dict[str, Shape]:
        """Every array this layer keeps in a weights file, trainable or not."""
        return {}

    def param_count(self, p: Params, inputs: Sequence[Shape]) -> int:
        shapes = self.weight_shapes(p, inputs)
        return sum(math.prod(shapes[n]) for n in self.trainable if n in shapes)

    def macs(self, p: Params, inputs: Sequence[Shape], out: Shape) -> int:
        return 0

    def warnings(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[str]:
        return []

    def window(self, p: Params, inputs: Sequence[Shape]) -> tuple[Window, Window] | str | None:
        """Per-axis windows (height, width), GLOBAL for whole-input layers, None if pointwise."""
        return None

    # -- numbers --------------------------------------------------------------------
    def init_weights(self, p: Params, inputs: Sequence[Shape], rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {}

    def forward(self, p: Params, xs: Sequence[np.ndarray], w: Weights, cancel: Cancel = None) -> np.ndarray:
        raise NotImplementedError

    def forward_train(self, p: Params, xs: Sequence[np.ndarray], w: Weights, tape: Tape,
                      cancel: Cancel = None) -> np.ndarray:
        """The forward of a pass that will be followed by `backward`; layers that behave
        differently while training (BatchNorm, Dropout) or keep intermediates override it."""
        return self.forward(p, xs, w, cancel)

    def backward(self, p: Params, xs: Sequence[np.ndarray], y: np.ndarray, w: Weights, g: np.ndarray,
                 tape: Tape, cancel: Cancel = None) -> Grads:
        """From the inputs, the output y, the weights and g = dL/dy: dL/d(each input) and
        dL/d(each trainable array), in PyTorch's semantics."""
        raise NotImplementedError(f"{self.name} has no backward pass")

    def __repr__(self) -> str:
        return f"<layer type {self.name}>"


def uniform_fan_in(rng: np.random.Generator, shapes: Mapping[str, Shape], fan_in: int) -> dict[str, np.ndarray]:
    """PyTorch's default for conv and linear layers: U(±1/√fan_in) for weight and bias."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return {name: _uniform32(rng, bound, shape) for name, shape in shapes.items()}


DRAW_CHUNK = 1 << 20


def _uniform32(rng: np.random.Generator, bound: float, shape: Shape) -> np.ndarray:
    """U(±bound) as float32, drawn a million at a time: the same numbers as one draw, but without a
    float64 copy of a large layer, and other threads (the window) get turns between the chunks."""
    out = np.empty(math.prod(shape), dtype=np.float32)
    for start in range(0, out.size, DRAW_CHUNK):
        stop = min(start + DRAW_CHUNK, out.size)
        out[start:stop] = rng.uniform(-bound, bound, size=stop - start)
    return out.reshape(shape)


def require_image(inputs: Sequence[Shape], what: str = "an image") -> Shape:
    """The single C×H×W input, or a ShapeError that says how to fix a flat one."""
    shape = inputs[0]
    if len(shape) != 3:
        raise ShapeError(
            f"expects {what} C×H×W but gets a flat vector of {shape[0]}; "
            "move it before Flatten/Dense"
        )
    return shape


def fmt_pair(v: Sequence) -> str:
    """A (height, width) pair the way labels write it: "3" when both agree, else "3×5"."""
    return str(v[0]) if v[0] == v[1] else f"{v[0]}×{v[1]}"


def fmt_shape(shape: Shape | None) -> str:
    """A shape written the way the app writes it everywhere: C×H×W."""
    return "?" if shape is None else "×".join(str(s) for s in shape)
