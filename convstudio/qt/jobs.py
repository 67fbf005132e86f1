"""Long work off the GUI thread: the one helper for forward passes, training, gradients and file writes.

`start_job(work, ...)` runs `work(job)` on a pool thread. The work reports with
`job.report(payload)` (delivered on the GUI thread, throttled by the caller's own choice of
how often to call it), asks `job.is_cancelled` between steps, and may wait in
`job.wait_while_paused()`. Its return value, a ConvStudioError's message, or the fact that it
was cancelled reach the GUI thread as exactly one of `finished`, `failed` or `cancelled`.
The window never blocks on a job: it only ever receives queued signals.
"""
from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..errors import ConvStudioError, RunCancelled
from ..kernels.parallel import lower_thread_priority

log = logging.getLogger("convstudio.qt.jobs")


class Job(QObject):
    """Handle of one background computation, owned by the GUI thread."""

    progress = Signal(object)   # whatever the work reports
    finished = Signal(object)   # the work's return value
    failed = Signal(str)        # one line for the user
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()  # set = not paused
        self.done = False

    # -- asked by the GUI thread --------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the work to stop at its next check; a paused job is woken to see it."""
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # -- asked by the work ------------------------------------------------------------------
    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block the worker while paused; True when it may go on (False: cancelled)."""
        self._running.wait(timeout)
        return not self._cancel.is_set()

    def report(self, payload: Any) -> None:
        """Send `payload` to the GUI thread; once its receiver is gone the job counts as cancelled."""
        if not _emit(self.progress, payload):
            self._cancel.set()


BACKGROUND_NICE = 10  # how much lower than the window's thread a worker thread asks the kernel to run


class _Task(QRunnable):
    def __init__(self, job: Job, work: Callable[[Job], Any]):
        super().__init__()
        self.job, self.work = job, work

    def run(self) -> None:
        """Run the work below the window's priority.

        On a machine with few cores (two, often shared) a forward pass or a training step would
        otherwise take the core the window needs to paint; the kernels' workers follow this
        thread's priority.
        """
        lower_thread_priority(BACKGROUND_NICE)
        job = self.job
        try:
            result = self.work(job)
        except RunCancelled:
            _emit(job.cancelled)
        except (ConvStudioError, MemoryError, OSError) as exc:
            _emit(job.failed, _message(exc))
        except Exception as exc:  # noqa: BLE001 - reported, never a traceback in the user's face
            log.error("background job failed\n%s", "".join(traceback.format_exception(exc)))
            _emit(job.failed, f"Something went wrong: {type(exc).__name__}: {exc}")
        else:
            _emit(job.cancelled) if job.is_cancelled and result is None else _emit(job.finished, result)


def _message(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "there was not enough memory for this; use a smaller batch or image"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return str(exc)


def _emit(signal, *args) -> bool:
    try:
        signal.emit(*args)
        return True
    except RuntimeError:  # the job's owner was deleted (the window closed meanwhile)
        return False


_alive: set[Job] = set()  # keeps each job's QObject alive until it has reported


def start_job(work: Callable[[Job], Any], *, on_finished: Callable[[Any], None] | None = None,
              on_failed: Callable[[str], None] | None = None, on_cancelled: Callable[[], None] | None = None,
              on_progress: Callable[[Any], None] | None = None, pool: QThreadPool | None = None,
              parent: QObject | None = None) -> Job:
    """Run `work(job)` on a pool thread and connect the outcome callbacks (run on the GUI thread).

    With a `parent`, the job goes with it: once the parent is deleted no callback runs and the work
    is told it is cancelled at its next report.
    """
    job = Job(parent)
    _alive.add(job)

    def end(callback, *args):
        job.done = True
        _alive.discard(job)
        if callback is not None:
            callback(*args)
    job.finished.connect(lambda result: end(on_finished, result))
    job.failed.connect(lambda text: end(on_failed, text))
    job.cancelled.connect(lambda: end(on_cancelled))
    if on_progress is not None:
        job.progress.connect(on_progress)
    (pool or QThreadPool.globalInstance()).start(_Task(job, work))
    return job
