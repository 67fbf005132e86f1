"""A plain undo stack over edit commands, for scripts, tests and the CLI.

The app wraps the same commands in a QUndoStack; both behave the same.
"""
from __future__ import annotations

from psygnal import Signal

from .commands import Command
from .network import Network


class UndoStack:
    changed = Signal()

    def __init__(self, net: Network):
        self.net = net
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean: int | None = 0

    def push(self, cmd: Command) -> Command:
        """Perform `cmd`; it becomes the next undo step (or merges into the last one)."""
        cmd.redo(self.net)
        self._undone.clear()
        if self._clean is not None and self._clean > len(self._done):
            self._clean = None
        if self._done and len(self._done) != self._clean and self._done[-1].merge(cmd):
            self.changed.emit()
            return self._done[-1]
        self._done.append(cmd)
        self.changed.emit()
        return cmd

    def undo(self) -> None:
        if self._done:
            cmd = self._done.pop()
            cmd.undo(self.net)
            self._undone.append(cmd)
            self.changed.emit()

    def redo(self) -> None:
        if self._undone:
            cmd = self._undone.pop()
            cmd.redo(self.net)
            self._done.append(cmd)
            self.changed.emit()

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    def set_clean(self) -> None:
        self._clean = len(self._done)
        self.changed.emit()

    @property
    def is_clean(self) -> bool:
        return self._clean == len(self._done)
