"""The open network: its file path, undo stack, modified state and latest inference report.

Views connect to `Document.changed` rather than to the network itself: the document
re-infers shapes first on structural edits, so every view sees a report that matches
the graph. Replacing the network (New, Open) emits a reset change.

The document also holds the network's weights (`weight_book`: arrays per layer and where
each came from); the inspection panels complete and show them. Replacing weights is an undo
step like any edit and marks the document modified. The one public way to do it is

    doc.set_weights(arrays, "Train 5 epochs")   # {layer id: {"weight": ndarray, ...}}

after which one Undo (Edit ▸ Undo) brings back exactly the weights from before. Every graph
edit records the weights too, so undoing a change of shape gives back the very arrays
(loaded, preset or trained) that were there, not fresh random ones. `weights_replaced` is
emitted whenever an undo step or a new document changes them.

While a network trains, `show_provisional_weights(arrays, text)` lets the panels show the
weights as they are learned without an undo step each time: any undo step taken meanwhile
(an edit, Undo) records and starts from the weights from before, and
`end_provisional_weights()` puts those back before the trained ones are kept with set_weights.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from ...engine.infer import Report, infer, infer_update
from ...engine.weights import WeightSet
from ...graph import Change, Command, Macro, Network, Node, Rename
from ...io import load_network, save_network
from ...errors import FormatError
from ...io.atomic import clean_stale_temps
from ...io.paths import weights_beside
from ..messages import notify
from ...engine.weight_book import WeightBook, WeightState
from .undo import CommandStack


UNTITLED = "Untitled"


def starter_network() -> Network:
    """What File ▸ New gives: one Input layer to build from."""
    from ... import layers

    return Network(UNTITLED, nodes=[Node("image", "Input", layers.get("Input").defaults(), [], (0.0, 0.0))])


class Document(QObject):
    """One open network: graph, weights, undo history, file path and modified flag.

    Replace weights only with `set_weights(arrays, text)` (trained weights, for instance): it is
    one undo step, marks the document modified, and one Undo brings back exactly the arrays
    there were before. Graph edits go through `push(command)`; their undo restores the weights
    of the layers they touched too.
    """

    changed = Signal(object)   # graph.Change, emitted after `report` is up to date
    state_changed = Signal()   # path, name or modified flag changed (window title)
    weights_replaced = Signal()  # an undo step or a new document changed `weight_book`
    saved = Signal(object)     # Path written by save()

    def __init__(self, network: Network | None = None, path: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.net = Network()
        self.path: Path | None = None
        self.weights_saver: Callable[[Path], str | None] | None = None  # writes weights beside a saved file
        self.report: Report = infer(self.net)
        self.weight_book = WeightBook()
        self._settled: WeightState | None = None  # the weights under provisional ones (training)
        self.stack = CommandStack(lambda: self.net, self, self._settled_weights, self._put_weights,
                                  self._performed)
        self.stack.cleanChanged.connect(self._clean_changed)
        self.replace(network if network is not None else Network(), path)

    # -- state ------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    @property
    def short_name(self) -> str:
        """The file's name, or the network's own name before it has a file."""
        return self.path.name if self.path else self.net.name or UNTITLED

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else f"{self.net.name} (not saved)"

    def _clean_changed(self, _clean: bool) -> None:
        self.state_changed.emit()

    # -- editing ----------------------------------------------------------------------------
    def push(self, command: Command, token: Any = None) -> Command:
        """Perform `command` as an undo step; raises its GraphError when refused."""
        return self.stack.push_command(command, token)

    def set_weights(self, arrays: WeightSet, text: str) -> None:
        """Put `arrays` ({layer id: {name: ndarray}}, whole layers) in as one undo step named `text`.

        Layers not in `arrays` keep theirs; the replaced layers' origin reads “from “text””.
        Undo brings back exactly the arrays there were before.
        """
        self.edit_weights(text, lambda book: book.restore(book.replaced(arrays, f"from “{text}”")))

    def edit_weights(self, text: str, change: Callable[[WeightBook], None]) -> None:
        """Apply `change` to the weight book as one undo step (nothing is recorded if it changes nothing)."""
        self._drop_provisional()
        before = self.weight_book.state()
        change(self.weight_book)
        after = self.weight_book.state()
        self.weight_book.restore(before)
        if not after.same(before):
            self.stack.push_weights(before, after, text)

    @property
    def provisional(self) -> bool:
        """The panels show weights that are no undo step yet (a network training)."""
        return self._settled is not None

    def show_provisional_weights(self, arrays: WeightSet, text: str) -> None:
        """Show `arrays` (whole layers) in the panels without an undo step or a modified flag."""
        if self._settled is None:
            self._settled = self.weight_book.state()
        self.weight_book.restore(self._settled)
        self.weight_book.restore(self.weight_book.replaced(arrays, text))
        self.weights_replaced.emit()

    def end_provisional_weights(self) -> None:
        """Back to the weights from before the provisional ones (nothing happens if there are none)."""
        if self._drop_provisional():
            self.weights_replaced.emit()

    def _drop_provisional(self) -> bool:
        if self._settled is None:
            return False
        self.weight_book.restore(self._settled)
        self._settled = None
        return True

    def _settled_weights(self) -> WeightState:
        return self._settled if self._settled is not None else self.weight_book.state()

    def _put_weights(self, state: WeightState) -> None:
        self._settled = None
        if not self.weight_book.state().same(state):
            self.weight_book.restore(state)
            self.weights_replaced.emit()

    def _performed(self, command: Command) -> None:
        """A layer that changes its id keeps its weights; an edit starts from the settled weights."""
        if self._drop_provisional():
            self.weights_replaced.emit()
        for cmd in _flatten(command):
            if isinstance(cmd, Rename) and cmd.old != cmd.new:
                self.weight_book.rename(cmd.old, cmd.new)

    def replace(self, network: Network, path: str | Path | None = None,
                weights_from: str | Path | None = None) -> None:
        """Show another network (New/Open): clears the history and tells views to rebuild.

        The weights start over: seed 0, plus the file the network names (read by the panels),
        relative to `path` or, for a template that has no path of its own, to `weights_from`.
        """
        self.net.changed.disconnect(self._on_network_changed)
        self.net = network
        self.path = Path(path) if path is not None else None
        self.stack.clear()
        self.stack.setClean()
        self._settled = None
        self.weight_book.clear(0)
        beside = self.path if self.path is not None else weights_from
        if beside is not None and network.weights:
            try:
                self.weight_book.pending_file = str(weights_beside(beside, network.weights))
            except FormatError as exc:
                notify(f"{exc}; using random weights.", "error")
        network.changed.connect(self._on_network_changed)
        network.emit_reset()
        self.weights_replaced.emit()
        self.state_changed.emit()

    def _on_network_changed(self, change: Change) -> None:
        if change.reset:
            self.report = infer(self.net)
        elif change.structural:  # a parameter edit re-infers only the layers it can change
            self.report = infer_update(self.net, self.report, change.ids)
        self.changed.emit(change)
        if change.structural:
            self.state_changed.emit()  # the network's name may have changed (SetMeta)

    # -- files --------------------------------------------------------------------------------
    def load(self, path: str | Path) -> None:
        """Open a file; on FormatError the current network stays exactly as it was."""
        network = load_network(path)
        clean_stale_temps(path)  # left by a save that was killed
        if network.weights:
            try:
                clean_stale_temps(weights_beside(path, network.weights))
            except FormatError:
                pass  # replace() says why the weights are not read
        self.replace(network, path)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("save needs a path for a network that was never saved")
        self.end_provisional_weights()  # the file gets the weights the undo history is at
        if self.weights_saver is not None:
            self.net.weights = self.weights_saver(target)
        save_network(self.net, target)
        self.path = target
        self.stack.setClean()
        self.state_changed.emit()
        self.saved.emit(target)
        return target

    def export(self, path: str | Path) -> None:
        """Write a copy without changing which file the document belongs to."""
        save_network(self.net, path)


def _flatten(command: Command) -> list[Command]:
    if isinstance(command, Macro):
        return [c for sub in command.commands for c in _flatten(sub)]
    return [command]
