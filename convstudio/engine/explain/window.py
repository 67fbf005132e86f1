"""What F, S, P and D do: where a sliding window lands on the padded input, axis by axis.

The numbers come from the layer declarations and `layers.arithmetic`, so the view the
app draws can never disagree with the shapes `infer` reports.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ... import layers
from ...errors import ConvStudioError
from ...graph import Network, coerce_params
from ...layers import arithmetic as ar
from ..infer import Report, infer

SLIDING = tuple(n for n in layers.names() if layers.get(n).sliding)  # Conv2D, MaxPool2D, AvgPool2D
AXES = ("height", "width")
UNITS = ("row", "column")
EXTENT = ("tall", "wide")


@dataclass(frozen=True)
class AxisSlide:
    """One spatial axis: sizes, the output-size formula with numbers, and where every tap lands."""

    name: str  # "height" or "width"
    size: int  # i, the input size
    kernel: int  # k (F)
    stride: int  # s (S)
    dilation: int  # d (D)
    pad: tuple[int, int]  # padding before and after (P)
    effective: int  # k̂ = k + (k − 1)(d − 1)
    padded: int  # i + p_before + p_after
    output: int  # o, 0 when the window does not fit
    formula: tuple[str, ...]  # the formula written with this layer's numbers, one line per step
    taps: tuple[tuple[int, ...], ...]  # per output index, the padded coordinates of the k taps
    uncovered: tuple[int, ...]  # trailing padded coordinates no window position reaches
    notes: tuple[str, ...]  # plain sentences about uncovered cells or a single position


@dataclass(frozen=True)
class SlidingWindow:
    """A layer's window over the padded input grid, ready to draw."""

    layer_type: str
    channels: int
    rows: AxisSlide
    cols: AxisSlide
    pad_value: str  # what padding cells hold: "0", or "−∞" for max pooling
    problem: str | None = None  # why the window does not fit, in the layer's own words
    counts_padding: bool = True  # False: an average leaves padded cells out of its divisor

    @property
    def padded_shape(self) -> tuple[int, int]:
        return self.rows.padded, self.cols.padded

    @property
    def output_shape(self) -> tuple[int, int]:
        return self.rows.output, self.cols.output

    @property
    def input_region(self) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) of the real input inside the padded grid, bottom/right exclusive."""
        return (self.rows.pad[0], self.cols.pad[0],
                self.rows.pad[0] + self.rows.size, self.cols.pad[0] + self.cols.size)

    @property
    def notes(self) -> tuple[str, ...]:
        return self.rows.notes + self.cols.notes

    def padding_mask(self) -> np.ndarray:
        """(H′, W′) booleans, True on padding cells."""
        mask = np.ones(self.padded_shape, dtype=bool)
        top, left, bottom, right = self.input_region
        mask[top:bottom, left:right] = False
        return mask

    def cells(self, row: int, col: int) -> list[tuple[int, int]]:
        """Padded-grid cells under the kernel taps of output (row, col), row by row."""
        return [(y, x) for y in self.rows.taps[row] for x in self.cols.taps[col]]

    def coverage(self) -> np.ndarray:
        """(H′, W′) counts of window positions covering each cell; 0 marks cells never used."""
        return np.outer(_axis_coverage(self.rows), _axis_coverage(self.cols))


def _axis_coverage(axis: AxisSlide) -> np.ndarray:
    counts = np.zeros(axis.padded, dtype=np.int64)
    for taps in axis.taps:
        counts[list(taps)] += 1
    return counts


def describe_window(layer_type: str, params: dict, input_shape: tuple[int, int, int]) -> SlidingWindow:
    """The window of a Conv2D, MaxPool2D or AvgPool2D layer on an input of C×H×W.

    `params` may be partial or use any accepted spelling (3 for [3, 3]); defaults fill the rest.
    """
    if layer_type not in SLIDING:
        raise ConvStudioError(f"{layer_type} has no sliding window; choose a Conv2D, MaxPool2D or AvgPool2D layer")
    decl = layers.get(layer_type)
    params = coerce_params(layer_type, params)
    c, h, w = input_shape
    problem = None
    try:
        decl.output_shape(params, [tuple(input_shape)])
    except layers.ShapeError as e:
        problem = str(e)
    axes = tuple(_axis(a, *spec) for a, spec in enumerate(_axis_specs(decl, params, (c, h, w))))
    pad_value = "−∞" if decl.sliding == "max" else "0"
    counts_padding = params.get("count_include_pad", True)
    return SlidingWindow(layer_type, c, axes[0], axes[1], pad_value, problem, counts_padding)


def node_window(net: Network, node_id: str, report: Report | None = None) -> SlidingWindow:
    """`describe_window` for a node of `net`, on the input shape `infer` gives it."""
    node = net.node(node_id)
    rep = (report or infer(net)).nodes[node_id]
    if not rep.input_shapes or len(rep.input_shapes[0]) != 3:
        raise ConvStudioError(f"{node_id}: its input shape is unknown or not an image, so its window cannot be drawn")
    return describe_window(node.type, node.params, rep.input_shapes[0])


def _axis_specs(decl, params, shape):
    """(size, k, s, d, (before, after)) per axis, read from the declaration."""
    c, h, w = shape
    q = decl.resolved(params, [shape])
    return [((h, w)[a], q["kernel_size"][a], q["stride"][a], q["dilation"][a], q["padding"][a]) for a in (0, 1)]


def _axis(a: int, size: int, k: int, s: int, d: int, pad: tuple[int, int]) -> AxisSlide:
    eff = ar.dilated(k, d)
    padded = size + pad[0] + pad[1]
    out = max(ar.conv_out(size, k, s, pad, d), 0)
    taps = tuple(tuple(o * s + j * d for j in range(k)) for o in range(out))
    left = ar.uncovered(size, k, s, pad, d) if out else 0
    uncovered = tuple(range(padded - left, padded))
    axis = AxisSlide(AXES[a], size, k, s, d, pad, eff, padded, out, formula_lines(size, k, s, pad, d),
                     taps, uncovered, ())
    return replace(axis, notes=_notes(a, axis))


def formula_lines(i: int, k: int, s: int, pad: tuple[int, int], d: int = 1,
                  zero_padding: bool = False) -> tuple[str, ...]:
    """o = ⌊(i + p − k̂) / s⌋ + 1 written with numbers, k̂ first when the kernel is dilated.

    `zero_padding` writes "+ 2·0" too, where the inspector teaches every term of the formula.
    """
    eff = ar.dilated(k, d)
    lines = []
    if d > 1:
        lines.append(f"k̂ = {k} + ({k} − 1)({d} − 1) = {eff}")
    if pad[0] == pad[1]:
        padding = f" + 2·{pad[0]}" if pad[0] or zero_padding else ""
    else:
        padding = f" + {pad[0]} + {pad[1]}"
    o = ar.conv_out(i, k, s, pad, d)
    lines.append(f"⌊({i}{padding} − {eff}) / {s}⌋ + 1 = {o}")
    return tuple(lines)


def _notes(a: int, axis: AxisSlide) -> tuple[str, ...]:
    notes = []
    if axis.uncovered:
        notes.append(_uncovered_note(a, axis))
    if axis.output == 1:
        notes.append(_single_note(a, axis))
    return tuple(notes)


def _uncovered_note(a: int, axis: AxisSlide) -> str:
    unit, n = UNITS[a], len(axis.uncovered)
    last = axis.taps[-1]
    span = axis.padded - axis.effective
    which = (f"{unit} {axis.uncovered[0]}" if n == 1
             else f"{unit}s {axis.uncovered[0]}–{axis.uncovered[-1]}")
    real = [u for u in axis.uncovered if axis.pad[0] <= u < axis.pad[0] + axis.size]
    if not real:
        effect = f"{'it is' if n == 1 else 'they are'} only padding, so no input is lost"
    elif len(real) == n:
        effect = f"{'it holds' if n == 1 else 'they hold'} real input that never reaches the output"
    else:
        effect = f"{len(real)} of them hold real input that never reaches the output"
    return (f"The window jumps {axis.stride} at a time and its last position ends at {unit} {last[-1]}, "
            f"so {which} of the {axis.padded}-{EXTENT[a]} padded input {'is' if n == 1 else 'are'} never covered: "
            f"{axis.padded} − {axis.effective} = {span} is not a multiple of {axis.stride} "
            f"({span} mod {axis.stride} = {n}); {effect}.")


def _single_note(a: int, axis: AxisSlide) -> str:
    if axis.effective == axis.padded:
        return (f"The window ({axis.effective}) is exactly as {EXTENT[a]} as the padded input ({axis.padded}), "
                f"so it fits in one place only: there is nowhere to jump, and any stride S gives the same "
                f"single output {UNITS[a]}.")
    room = axis.padded - axis.effective
    return (f"The window fits in one place only: the padded input leaves {room} spare {UNITS[a]}"
            f"{'s' if room != 1 else ''} and a jump of S = {axis.stride} would go past the edge, "
            f"so any stride above {room} gives the same single output {UNITS[a]}.")
