"""The Qt undo stack over model commands, so the Edit menu and history view drive graph edits.

A `CommandAdapter` wraps one graph Command: its first redo performs the edit, later
redos and undos replay the command's snapshots. Merging (drags, spin boxes) defers to
`Command.merge`; a `token` keeps two separate drags of the same nodes apart.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from ..graph import Command, Network

MERGEABLE = 1


class CommandAdapter(QUndoCommand):
    def __init__(self, stack: "CommandStack", command: Command, token: Any = None):
        super().__init__(command.text)
        self.stack, self.command, self.token = stack, command, token

    def id(self) -> int:
        return MERGEABLE if self.command.merge_key is not None else -1

    def redo(self) -> None:
        try:
            self.command.redo(self.stack.network())
        except Exception as exc:  # noqa: BLE001 - handed back to push_command's caller
            self.stack.failure = exc
            self.setObsolete(True)  # QUndoStack then drops it instead of recording it

    def undo(self) -> None:
        self.command.undo(self.stack.network())

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, CommandAdapter) or other.isObsolete() or other.token != self.token:
            return False
        if not self.command.merge(other.command):
            return False
        self.setText(self.command.text)
        return True


class CommandStack(QUndoStack):
    """A QUndoStack whose `push_command` performs a graph command or raises its error."""

    def __init__(self, network: Callable[[], Network], parent=None):
        super().__init__(parent)
        self.network = network
        self.failure: Exception | None = None

    def push_command(self, command: Command, token: Any = None) -> Command:
        self.failure = None
        self.push(CommandAdapter(self, command, token))
        failure, self.failure = self.failure, None
        if failure is not None:
            raise failure
        return command
