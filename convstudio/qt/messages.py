"""One channel for user-facing messages, and a guard that turns exceptions in slots into messages.

Slots run inside Qt's event loop, where an escaping exception would print a traceback
(or end the app). `guarded` catches them: a ConvStudioError is the user's to fix and its
one-line text goes to the status bar; anything else is logged and reported briefly.
"""
from __future__ import annotations

import functools
import logging
import sys
import traceback

from PySide6.QtCore import QObject, Signal

from ..errors import ConvStudioError

log = logging.getLogger("convstudio.qt")


class Messenger(QObject):
    """`message(text, level)` with level "info", "warning" or "error"; the window shows it."""

    message = Signal(str, str)


_messenger: Messenger | None = None


def messenger() -> Messenger:
    global _messenger
    if _messenger is None:
        _messenger = Messenger()
    return _messenger


def notify(text: str, level: str = "info") -> None:
    messenger().message.emit(text, level)


def report_exception(exc: BaseException) -> None:
    """Show an exception as a message: the user's own mistakes plainly, bugs with a log entry."""
    if isinstance(exc, ConvStudioError):
        notify(str(exc), "error")
    else:
        log.error("unexpected error\n%s", "".join(traceback.format_exception(exc)))
        notify(f"Something went wrong: {type(exc).__name__}: {exc}", "error")


def guarded(fn):
    """Decorator for slots and event handlers: exceptions become messages, never tracebacks."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure must reach the user as a message
            report_exception(exc)
            return None
    return wrapper


def install_excepthook() -> None:
    """Last line of defence for code paths not wrapped by `guarded`."""
    def hook(kind, exc, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        report_exception(exc)
    sys.excepthook = hook
