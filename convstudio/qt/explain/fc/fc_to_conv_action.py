"""Tools ▸ Convert Dense layers to convolutions: the FcToConv command, pushed as one undo step.

The summary compares each layer's parameter count before and after, both read from the
document's inference report, so "unchanged" is checked rather than assumed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction

from ....engine.transforms import DenseToConv, FcToConv, plan_fc_to_conv
from ....errors import ConvStudioError
from ....graph import Network
from ....wording import counted
from ...messages import guarded, notify
from ..text import count, shape

ACTION_TEXT = "Convert Dense layers to convolutions"


@dataclass(frozen=True)
class LayerChange:
    id: str
    before: str        # "Dense, 4,096 units on 25,088 = 512×7×7 values"
    after: str         # "Conv2D 7×7, K = 4,096 → 4096×1×1"
    params_before: int
    params_after: int | None  # None in a plan (not converted yet)

    @property
    def unchanged(self) -> bool:
        return self.params_after == self.params_before


@dataclass(frozen=True)
class ConversionSummary:
    network: str
    removed: tuple[str, ...]        # the Flatten layers taken out
    changes: tuple[LayerChange, ...]
    done: bool                      # False: what converting would do


def _before(d: DenseToConv) -> str:
    n = d.channels * d.kernel[0] * d.kernel[1]
    source = f"{count(n)} = {d.channels}×{d.kernel[0]}×{d.kernel[1]} values" if d.kernel != (1, 1) else \
        f"{count(n)} values"
    return f"Dense, {count(d.units)} units on {source}"


def _after(d: DenseToConv, out_shape=None) -> str:
    out = shape(out_shape) if out_shape else f"{d.units}×1×1"
    return f"Conv2D F = {d.kernel[0]}×{d.kernel[1]}, K = {count(d.units)} → {out}"


def plan_summary(net: Network, report) -> ConversionSummary:
    """What converting would change; ConvStudioError (with the reason) when nothing can be converted."""
    plan = plan_fc_to_conv(net, report)
    changes = tuple(LayerChange(d.id, _before(d), _after(d), report.nodes[d.id].params, None) for d in plan.denses)
    return ConversionSummary(net.name, plan.flattens, changes, False)


def convert_dense_layers(doc) -> ConversionSummary:
    """Convert through the document's undo stack (one step); raises ConvStudioError when impossible."""
    net = doc.net
    plan = plan_fc_to_conv(net, doc.report)
    before = {d.id: doc.report.nodes[d.id].params for d in plan.denses}
    doc.push(FcToConv())
    after = doc.report
    changes = tuple(LayerChange(d.id, _before(d), _after(d, after.nodes[d.id].shape), before[d.id],
                                after.nodes[d.id].params) for d in plan.denses)
    return ConversionSummary(doc.net.name, plan.flattens, changes, True)


def summary_message(s: ConversionSummary) -> str:
    parts = "; ".join(f"{c.id} → {c.after.split(' → ')[0]} "
                      f"({count(c.params_after)} parameters{', unchanged' if c.unchanged else ''})"
                      for c in s.changes)
    return f"Converted {counted(len(s.changes), 'Dense layer')} to convolutions: {parts}. Undo (Ctrl+Z) restores them."


def make_convert_action(parent, doc, on_done: Callable[[ConversionSummary | None, str], None] | None = None,
                        about_to_convert: Callable[[], None] | None = None) -> QAction:
    """The menu action; `on_done(summary, message)` lets a view show the result (summary None on refusal),
    `about_to_convert()` runs just before the network changes."""
    act = QAction(ACTION_TEXT, parent)
    act.setObjectName("action-convert-fc")
    act.setStatusTip("Rewrite Flatten + Dense layers as the convolutions they equal (same parameters; undoable)")
    act.setToolTip(act.statusTip())

    @guarded
    def trigger(_checked=False) -> None:
        if about_to_convert is not None:
            about_to_convert()
        try:
            summary = convert_dense_layers(doc)
        except ConvStudioError as exc:
            text = str(exc)
            message = text[0].upper() + text[1:] + "."
            notify(message, "info" if text.startswith("nothing to convert") else "warning")
            if on_done is not None:
                on_done(None, message)
            return
        message = summary_message(summary)
        notify(message)
        if on_done is not None:
            on_done(summary, message)
    act.triggered.connect(trigger)
    return act
