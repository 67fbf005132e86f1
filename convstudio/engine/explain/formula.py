"""The arithmetic behind a layer's numbers, written out with this layer's values.

The inspector shows, e.g. for a 3×3 convolution with padding 1 and stride 2 on 56 pixels:
`⌊(56 + 2·1 − 3) / 2⌋ + 1 = 28`, so a learner sees where each output size and parameter
count comes from. Pure text: no Qt.
"""
from __future__ import annotations

from .window import formula_lines
from ..infer import NodeReport
from ...graph import Node
from ...layers import arithmetic as ar

AXES = ("height", "width")


def output_size_lines(node: Node, rep: NodeReport | None) -> list[tuple[str, str]]:
    """(label, formula) per spatial axis; one line when both axes read the same."""
    if rep is None or not rep.input_shapes or len(rep.input_shapes[0]) != 3:
        return []
    size = rep.input_shapes[0][1:]
    if node.decl.sliding:
        lines = _sliding(node.decl.resolved(node.params, rep.input_shapes), size)
    elif node.decl.transposed:
        lines = _transposed(node.params, size)
    else:
        return []
    if lines[0] == lines[1]:
        return [("height and width", lines[0])]
    return list(zip(AXES, lines))


def _sliding(p: dict, size) -> list[str]:
    """`p` resolved: numbers for stride, dilation and padding (before, after)."""
    return [_sliding_axis(size[a], p["kernel_size"][a], p["stride"][a], p["padding"][a], p["dilation"][a])
            for a in (0, 1)]


def _sliding_axis(i: int, k: int, s: int, pad: tuple[int, int], d: int) -> str:
    text = "\n".join(formula_lines(i, k, s, pad, d, zero_padding=True))
    if ar.conv_out(i, k, s, pad, d) < 1:
        text += "  → the window does not fit"
    return text


def _transposed(p, size) -> list[str]:
    lines = []
    for a in (0, 1):
        i, k, s, pad = size[a], p["kernel_size"][a], p["stride"][a], p["padding"][a]
        d, extra = p["dilation"][a], p["output_padding"][a]
        k_hat = ar.dilated(k, d)
        out = ar.transposed_out(i, k, s, pad, extra, d)
        text = f"{s}·({i} − 1) + {extra} + {k_hat} − 2·{pad} = {out}"
        lines.append((f"k̂ = {k} + ({k} − 1)({d} − 1) = {k_hat}\n" if d > 1 else "") + text)
    return lines


def parameter_lines(node: Node, rep: NodeReport | None) -> list[str]:
    """How the parameter count is made, and why a convolution has so few (parameter sharing)."""
    if rep is None or rep.params is None or not rep.input_shapes:
        return []
    lines = node.decl.count_lines(node.params, rep.input_shapes, rep.shape)
    if not lines and rep.params == 0 and not node.decl.is_input:
        return ["no learned parameters"]
    return lines

