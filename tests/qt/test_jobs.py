"""The background-job helper: outcomes arrive once, on the GUI thread; cancel and pause reach the work."""
import threading
import time

from PySide6.QtCore import QThread

from convstudio.errors import ConvStudioError, RunCancelled
from convstudio.qt.jobs import start_job


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    seen, threads = [], []
    gui = QThread.currentThread()

    def work(job):
        for i in range(3):
            job.report(i)
        return "done"

    def progress(i):
        seen.append(i)
        threads.append(QThread.currentThread() is gui)

    results = []
    job = start_job(work, on_finished=results.append, on_progress=progress)
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert results == ["done"] and seen == [0, 1, 2] and all(threads)


def test_errors_are_one_line_and_unexpected_ones_are_reported(qtbot):
    failures = []

    def fail(job):
        raise ConvStudioError("the dataset has 3 classes")

    job = start_job(fail, on_failed=failures.append)
    qtbot.waitUntil(lambda: job.done, timeout=5000)

    def crash(job):
        raise ZeroDivisionError("x")

    job = start_job(crash, on_failed=failures.append)
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert failures == ["the dataset has 3 classes", "Something went wrong: ZeroDivisionError: x"]


def test_cancel_wakes_a_paused_job(qtbot):
    steps, outcome = [], []
    started = threading.Event()

    def work(job):
        started.set()
        while job.wait_while_paused():
            steps.append(1)
            time.sleep(0.01)
        raise RunCancelled("stopped")

    job = start_job(work, on_cancelled=lambda: outcome.append("cancelled"), on_finished=outcome.append)
    started.wait(5)
    job.pause()
    time.sleep(0.05)
    paused_at = len(steps)
    time.sleep(0.1)
    assert len(steps) <= paused_at + 1 and job.paused
    job.cancel()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert outcome == ["cancelled"]


def test_a_job_goes_with_its_parent(qtbot):
    """Once the owner is deleted (a window closed) no callback runs and the work is told to stop."""
    from PySide6.QtCore import QObject

    owner, calls, stopped = QObject(), [], threading.Event()
    go = threading.Event()

    def work(job):
        go.wait(5)
        for _ in range(100):
            job.report(1)
            if job.is_cancelled:
                stopped.set()
                return None
            time.sleep(0.01)
        return "finished"

    start_job(work, on_progress=calls.append, on_finished=calls.append, on_cancelled=lambda: calls.append("c"),
              parent=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=5000)
    go.set()
    assert stopped.wait(5)
    qtbot.wait(50)
    assert calls == []


def _alive(obj) -> bool:
    from shiboken6 import isValid

    return isValid(obj)
