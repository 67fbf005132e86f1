"""After Tools ▸ Convert: do the converted network's outputs equal the Dense network's?

The output of the last up-to-date run is kept at the moment of converting; the first run
of the converted network (same image, same weights reshaped) is compared with it, and the
largest difference is shown in the FC → Conv view.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject

from ..run_source import RunSource
from ..text import esc


@dataclass(frozen=True)
class Before:
    output_id: str
    output: np.ndarray
    image: np.ndarray | None


class OutputCheck(QObject):
    """`capture()` just before converting, `converted(ids)` just after; reports through `show(html)`."""

    def __init__(self, source: RunSource, doc, show: Callable[[str], None], parent=None):
        super().__init__(parent)
        self.source, self.doc, self.show = source, doc, show
        self.before: Before | None = None
        self.converted_ids: tuple[str, ...] = ()
        self.waiting = False
        source.changed.connect(self._on_run)

    def capture(self) -> None:
        snap = self.source.snapshot()
        outputs = self.doc.report.outputs
        if snap is None or not outputs or outputs[-1] not in snap.acts:
            self.before = None
            return
        self.before = Before(outputs[-1], snap.acts[outputs[-1]], snap.image)

    def converted(self, ids: tuple[str, ...]) -> None:
        if self.before is None:
            self.waiting = False
            self.show("<b>Outputs</b>: there was no up-to-date run before converting, so there is nothing to "
                      "compare with. Undo, run (F5), and convert again to compare.")
            return
        self.converted_ids, self.waiting = tuple(ids), True
        self.show("<b>Outputs</b>: the next run (F5) compares them with the outputs before converting.")

    def _on_run(self) -> None:
        snap = self.source.snapshot()
        if not self.waiting or snap is None:
            return
        b = self.before
        self.waiting = False
        if not all(i in snap.net and snap.net.node(i).decl.has_filters for i in self.converted_ids):
            self.show("")  # undone before it ran: nothing to say
            return
        self.show(compare_html(b, snap.acts.get(b.output_id), snap.image))


def compare_html(before: Before, after: np.ndarray | None, image: np.ndarray | None) -> str:
    name = esc(before.output_id)
    if after is None or after.size != before.output.size:
        return f"<b>Outputs</b>: {name} changed size, so the outputs cannot be compared value by value."
    if image is None or before.image is None or not np.array_equal(image, before.image):
        return "<b>Outputs</b>: the input image changed since converting, so the outputs are not comparable."
    a, b = before.output.astype(np.float64).ravel(), after.astype(np.float64).ravel()
    diff = float(np.max(np.abs(a - b)))
    scale = float(np.max(np.abs(a)))
    verdict = "the same up to float32 rounding" if diff <= 1e-5 * max(scale, 1.0) else "<b>different</b>"
    return (f"<b>Outputs</b> of {name} on the same image, before and after converting: largest difference "
            f"{diff:.3g} (largest value {scale:.3g}) — {verdict}.")
