"""The open network: its file path, undo stack, modified state and latest inference report.

Views connect to `Document.changed` rather than to the network itself: the document
re-infers shapes first on structural edits, so every view sees a report that matches
the graph. Replacing the network (New, Open) emits a reset change.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ..engine.infer import Report, infer
from ..graph import Change, Command, Network, Node
from ..io import load_network, save_network
from .undo import CommandStack


def starter_network() -> Network:
    """What File ▸ New gives: one Input layer to build from."""
    from .. import layers

    return Network("Untitled", nodes=[Node("image", "Input", layers.get("Input").defaults(), [], (0.0, 0.0))])


class Document(QObject):
    changed = Signal(object)   # graph.Change, emitted after `report` is up to date
    state_changed = Signal()   # path, name or modified flag changed (window title)

    def __init__(self, network: Network | None = None, path: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.net = Network()
        self.path: Path | None = None
        self.weights_saver: Callable[[Path], str | None] | None = None  # writes weights beside a saved file
        self.report: Report = infer(self.net)
        self.stack = CommandStack(lambda: self.net, self)
        self.stack.cleanChanged.connect(self._clean_changed)
        self.replace(network if network is not None else Network(), path)

    # -- state ------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    @property
    def short_name(self) -> str:
        """The file's name, or the network's own name before it has a file."""
        return self.path.name if self.path else self.net.name or "Untitled"

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else f"{self.net.name} (not saved)"

    def _clean_changed(self, _clean: bool) -> None:
        self.state_changed.emit()

    # -- editing ----------------------------------------------------------------------------
    def push(self, command: Command, token: Any = None) -> Command:
        """Perform `command` as an undo step; raises its GraphError when refused."""
        return self.stack.push_command(command, token)

    def replace(self, network: Network, path: str | Path | None = None) -> None:
        """Show another network (New/Open): clears the history and tells views to rebuild."""
        self.net.changed.disconnect(self._on_network_changed)
        self.net = network
        self.path = Path(path) if path is not None else None
        self.stack.clear()
        self.stack.setClean()
        network.changed.connect(self._on_network_changed)
        network.emit_reset()
        self.state_changed.emit()

    def _on_network_changed(self, change: Change) -> None:
        if change.structural or change.reset:
            self.report = infer(self.net)
        self.changed.emit(change)
        if change.structural:
            self.state_changed.emit()  # the network's name may have changed (SetMeta)

    # -- files --------------------------------------------------------------------------------
    def load(self, path: str | Path) -> None:
        """Open a file; on FormatError the current network stays exactly as it was."""
        network = load_network(path)
        self.replace(network, path)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("save needs a path for a network that was never saved")
        if self.weights_saver is not None:
            self.net.weights = self.weights_saver(target)
        save_network(self.net, target)
        self.path = target
        self.stack.setClean()
        self.state_changed.emit()
        return target

    def export(self, path: str | Path) -> None:
        """Write a copy without changing which file the document belongs to."""
        save_network(self.net, path)
