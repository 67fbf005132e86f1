"""Where the views that need numbers from a forward pass get them.

`ControllerSource` follows the panels' run controller (the pass the feature maps show) and
hands out a `RunSnapshot` only while it matches the network as it is now: a breakdown of stale
activations would not add up to the value the user clicked.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...engine.weights import WeightSet
from ...graph import Network


@dataclass(frozen=True)
class RunSnapshot:
    net: Network                 # the network the activations belong to
    weights: WeightSet
    acts: dict[str, np.ndarray]  # node id → (1, …) batch of one
    input_id: str | None

    @property
    def image(self) -> np.ndarray | None:
        """(C, H, W) of the first Input layer, exactly as the network received it."""
        return None if self.input_id not in self.acts else self.acts[self.input_id][0]


def first_input(net: Network) -> str | None:
    return next((n.id for n in net if n.decl.is_input), None)


class RunSource(QObject):
    """Base: `changed` fires when `snapshot()` or `status()` would answer differently."""

    changed = Signal()

    def snapshot(self) -> RunSnapshot | None:
        raise NotImplementedError

    def status(self) -> str:
        """Why there is no snapshot (shown in place of the view), or ""."""
        return ""


class ControllerSource(RunSource):
    """The panels' RunController: its latest results, weights and input image."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self._key = None
        self._cache: RunSnapshot | None = None
        for signal in (controller.results_changed, controller.status_changed, controller.weights_changed):
            signal.connect(self._maybe_changed)

    def _state(self):
        c = self.controller
        return (id(c.results), c.stale, c.busy, c.error)

    def _maybe_changed(self) -> None:
        key = self._state()
        if key != self._key:
            self._key = key
            self._cache = None
            self.changed.emit()

    def snapshot(self) -> RunSnapshot | None:
        c = self.controller
        if c.results is None or c.stale:
            return None
        if self._cache is None or self._cache.acts.keys() != c.results.activations.keys():
            net = c.doc.net
            acts = {k: v[None] for k, v in c.results.activations.items()}
            self._cache = RunSnapshot(net, c.weights, acts, first_input(net))
        return self._cache

    def status(self) -> str:
        c = self.controller
        if c.results is None:
            return c.error or ("Running…" if c.busy else "Run the network (F5) to get values to explain.")
        if c.stale:
            return ("The network, image or weights changed since the last run, so its numbers would not add up. "
                    "Press F5 to run it again.")
        return ""
