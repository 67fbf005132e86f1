"""The Qt undo stack over model commands and weight edits, so the Edit menu and history view drive both.

A `CommandAdapter` wraps one graph Command: its first redo performs the edit, later
redos and undos replay the command's snapshots. Merging (drags, spin boxes) defers to
`Command.merge`; a `token` keeps two separate drags of the same nodes apart.

Weights are not part of the graph, but an edit of shape makes the panels drop or redraw
the arrays of the layers it touches. So every step also records the document's weights:
as they were before its first redo, and as they are when it is undone (by then the
panels have completed them for the new shapes). Undo and redo put back exactly those
arrays. A `WeightStep` is an undo step that changes the weights only.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from ...graph import Command, Network

MERGEABLE = 1


class CommandAdapter(QUndoCommand):
    def __init__(self, stack: "CommandStack", command: Command, token: Any = None):
        super().__init__(command.text)
        self.stack, self.command, self.token = stack, command, token
        self.weights_before: Any = None
        self.weights_after: Any = None

    def id(self) -> int:
        return MERGEABLE if self.command.merge_key is not None else -1

    def redo(self) -> None:
        first = self.weights_before is None
        if first:
            self.weights_before = self.stack.take_weights()
        try:
            self.command.redo(self.stack.network())
        except Exception as exc:  # noqa: BLE001 - handed back to push_command's caller
            self.stack.failure = exc
            self.setObsolete(True)  # QUndoStack then drops it instead of recording it
            return
        if first:
            self.stack.performed(self.command)
        else:
            self.stack.put_weights(self.weights_after)

    def undo(self) -> None:
        self.weights_after = self.stack.take_weights()
        self.command.undo(self.stack.network())
        self.stack.put_weights(self.weights_before)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, CommandAdapter) or other.isObsolete() or other.token != self.token:
            return False
        if not self.command.merge(other.command):
            return False
        self.setText(self.command.text)
        return True


class WeightStep(QUndoCommand):
    """Replace the weights (a preset, a seed, a loaded file, trained arrays) as one undo step."""

    def __init__(self, stack: "CommandStack", before: Any, after: Any, text: str):
        super().__init__(text)
        self.stack, self.before, self.after = stack, before, after

    def redo(self) -> None:
        self.stack.put_weights(self.after)

    def undo(self) -> None:
        self.after = self.stack.take_weights()  # with what the panels completed since
        self.stack.put_weights(self.before)


class CommandStack(QUndoStack):
    """A QUndoStack whose `push_command` performs a graph command or raises its error.

    `take_weights()` and `put_weights(state)` read and restore the weights that go with the
    network (by default there are none); `performed(command)` hears each command done for
    the first time.
    """

    def __init__(self, network: Callable[[], Network], parent=None,
                 take_weights: Callable[[], Any] = lambda: (),
                 put_weights: Callable[[Any], None] = lambda state: None,
                 performed: Callable[[Command], None] = lambda command: None):
        super().__init__(parent)
        self.network = network
        self.take_weights, self.put_weights, self.performed = take_weights, put_weights, performed
        self.failure: Exception | None = None

    def push_command(self, command: Command, token: Any = None) -> Command:
        self.failure = None
        self.push(CommandAdapter(self, command, token))
        failure, self.failure = self.failure, None
        if failure is not None:
            raise failure
        return command

    def push_weights(self, before: Any, after: Any, text: str) -> None:
        self.push(WeightStep(self, before, after, text))
