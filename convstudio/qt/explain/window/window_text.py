"""The plain-language text beside the sliding-window picture, written with the layer's own numbers."""
from __future__ import annotations

from .... import layers
from ....engine.explain import AxisSlide, SlidingWindow
from ....wording import counted
from ..text import bullet_list, esc, paragraphs

UNIT = {"height": ("row", "rows"), "width": ("column", "columns")}


def _pair(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}×{b}"


def _pads(axis: AxisSlide) -> str:
    before, after = axis.pad
    return str(before) if before == after else f"{before} before, {after} after"


def letters(sw: SlidingWindow) -> str:
    """What F, S, P and D mean here, one line each."""
    r, c = sw.rows, sw.cols
    f, s, d = _pair(r.kernel, c.kernel), _pair(r.stride, c.stride), _pair(r.dilation, c.dilation)
    pad_here = sw.pad_value
    items = [
        (f"<b>F = {f}</b> (filter size): the window reads {r.kernel}×{c.kernel} values of every input channel "
        "(the orange taps)."),
        (f"<b>S = {s}</b> (stride): the window jumps {r.stride if r.stride == c.stride else s} cell"
        f"{'s' if max(r.stride, c.stride) > 1 else ''} to the next output; at the end of a row it goes back to "
        f"the left and {r.stride} down."),
        (f"<b>P = {_pads(r) if r.pad == c.pad else f'{_pads(r)} / {_pads(c)}'}</b> (padding): "
         f"{'no border is added' if not any(r.pad + c.pad) else f'a border of gray cells holding {pad_here} is added'}"
         f"{'' if not any(r.pad + c.pad) else ', so the window can also centre on edge pixels'}."),
    ]
    if "dilation" in {p.name for p in layers.get(sw.layer_type).params}:
        if max(r.dilation, c.dilation) > 1:
            items.append(f"<b>D = {d}</b> (dilation): {counted(r.dilation - 1, 'empty cell')} between taps, so the "
                         f"{r.kernel}×{c.kernel} kernel spans k̂ = {r.effective}×{c.effective} (dashed frame) "
                         "with the same number of weights.")
        else:
            items.append("<b>D = 1</b> (dilation): the taps touch; with D = 2 there would be one gap between "
                         "them and the same weights would span a wider area.")
    return bullet_list(items)


def formulas(sw: SlidingWindow) -> str:
    """o = ⌊(i + 2p − k̂) / s⌋ + 1, then the numbers for height and width (once when they agree)."""
    head = "<b>Output size</b>: o = ⌊(i + 2p − k̂) / s⌋ + 1, with k̂ = k + (k − 1)(d − 1)"
    r, c = sw.rows, sw.cols
    if r.formula == c.formula:
        lines = [f"height and width: {esc(line)}" for line in r.formula]
    else:
        lines = [f"height: {esc(line)}" for line in r.formula] + [f"width: {esc(line)}" for line in c.formula]
    body = "<br>".join(f"<span style='font-family:monospace'>{line}</span>" for line in lines)
    return paragraphs(head, body)


def what_happens(sw: SlidingWindow, channels_note: bool = True) -> str:
    k = sw.rows.kernel * sw.cols.kernel
    reduce = layers.get(sw.layer_type).sliding
    if reduce == "max":
        text = (f"Each output value is the <b>largest</b> of the {k} values under the window, channel by channel. "
                "Padding holds −∞, so it never wins.")
    elif reduce == "mean":
        text = (f"Each output value is the <b>average</b> of the {k} values under the window, channel by "
                "channel; padding counts as 0." if sw.counts_padding else
                f"Each output value is the <b>average</b> of the image values under the window, channel by "
                f"channel; padding is left out, so a window at the edge divides by fewer than {k}.")
    else:
        where = "on its one input channel" if sw.channels == 1 else f"on all {sw.channels} input channels at once"
        text = (f"Each output value multiplies the {k} values under the taps by the filter's {k} weights and adds "
                f"them up — {where}, plus the bias. The same weights are used at every position (parameter sharing).")
        if channels_note and sw.channels > 1:
            text += " <i>One output value</i> shows that sum channel by channel."
    return paragraphs(text)


def position(sw: SlidingWindow, row: int, col: int, mask) -> str:
    oh, ow = sw.output_shape
    taps_r, taps_c = sw.rows.taps[row], sw.cols.taps[col]
    cells = sw.cells(row, col)
    padding = sum(1 for y, x in cells if mask[y, x])
    span = (f"padded rows {taps_r[0]}–{taps_r[-1]} and columns {taps_c[0]}–{taps_c[-1]}"
            if len(cells) > 1 else f"padded row {taps_r[0]}, column {taps_c[0]}")
    tail = f"; {padding} of its {len(cells)} taps fall on padding" if padding else ""
    return paragraphs(f"<b>Position {row * ow + col + 1} of {oh * ow}</b>: output ({row}, {col}) reads {span}{tail}.")


def _gap_note(axis: AxisSlide) -> str:
    """Rows/columns inside the scanned range that fall between dilated taps at every position."""
    read = {t for taps in axis.taps for t in taps}
    last = axis.taps[-1][-1] if axis.taps else -1
    gaps = [i for i in range(last + 1) if i not in read]
    if not gaps:
        return ""
    one, many = UNIT[axis.name]
    which = ", ".join(map(str, gaps[:8])) + (" …" if len(gaps) > 8 else "")
    return (f"{many.capitalize() if len(gaps) > 1 else one.capitalize()} {which} fall between the taps of the "
            f"dilated kernel at every position (D = {axis.dilation}, S = {axis.stride}), so "
            f"{'they are' if len(gaps) > 1 else 'it is'} never read either.")


def _same_numbers(a: AxisSlide, b: AxisSlide) -> bool:
    return (a.size, a.kernel, a.stride, a.dilation, a.pad) == (b.size, b.kernel, b.stride, b.dilation, b.pad)


def notes(sw: SlidingWindow) -> str:
    """The engine's notes (never-covered cells, a single position) and gaps left by dilation."""
    if _same_numbers(sw.rows, sw.cols):
        items = [*sw.rows.notes, _gap_note(sw.rows)]
        items = [f"{n} The same holds for the columns." for n in items if n]
    else:
        items = [*sw.notes, _gap_note(sw.rows), _gap_note(sw.cols)]
    items = [n for n in items if n]
    if not items:
        return ""
    return "".join(f"<p style='margin:0 0 6px 0'><b>Note:</b> {esc(n)}</p>" for n in items)
