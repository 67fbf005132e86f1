"""Small file writes off the GUI thread (an activations .npz of VGG-16 is hundreds of MB)."""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ...errors import ConvStudioError

log = logging.getLogger("convstudio.qt.panels")


class _Signals(QObject):
    done = Signal(str)     # message for the status bar
    failed = Signal(str)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], str], signals: _Signals):
        super().__init__()
        self.work, self.signals = work, signals

    def run(self) -> None:
        try:
            message = self.work()
        except (ConvStudioError, OSError) as exc:
            text = f"{exc.filename}: {exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)
            self._emit(self.signals.failed, text)
        except Exception as exc:  # noqa: BLE001 - reported, never a traceback in the user's face
            log.error("background task failed\n%s", "".join(traceback.format_exception(exc)))
            self._emit(self.signals.failed, f"Something went wrong: {type(exc).__name__}: {exc}")
        else:
            self._emit(self.signals.done, message)

    @staticmethod
    def _emit(signal, text: str) -> None:
        try:
            signal.emit(text)
        except RuntimeError:  # the window closed meanwhile
            pass


_tasks: set[_Signals] = set()  # keeps each task's signal object alive until it reports


def in_background(work: Callable[[], str], on_done: Callable[[str], None],
                  on_failed: Callable[[str], None], pool: QThreadPool | None = None) -> None:
    """Run `work()` (returns a message) on a pool thread; report on the GUI thread."""
    signals = _Signals()
    _tasks.add(signals)

    def finish(callback, text):
        _tasks.discard(signals)
        signals.deleteLater()
        callback(text)
    signals.done.connect(lambda text: finish(on_done, text))
    signals.failed.connect(lambda text: finish(on_failed, text))
    (pool or QThreadPool.globalInstance()).start(_Task(work, signals))
