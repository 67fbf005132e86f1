"""Batch-parallel kernels: the images of a batch split over the cores, BLAS single-threaded meanwhile.

BLAS threads only speed up the matrix products; the copies around them (im2col, padding,
Winograd's transforms, col2im, ReLU, pooling) stay on one core. Giving each core whole images
instead parallelises all of it, and NumPy releases the GIL in each of those loops. While the
workers run, BLAS is held to one thread so that two workers do not each start two BLAS threads
on two cores (and waiting workers sleep, where BLAS threads spin: on a busy machine that matters
more than anything else). A convolution with too few images splits its output rows instead; work
too small to split keeps the BLAS threads. Each worker gets an equal share of the scratch budget
(`share`), so the memory bound of the serial kernels still holds. A worker runs at the priority
of the thread that split the work, so a background job's slices never compete with a window.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Worker threads per kernel call; CONVSTUDIO_THREADS overrides the number of cores (1 = serial,
# BLAS included).
WORKERS = max(1, int(os.environ.get("CONVSTUDIO_THREADS") or min(_cores(), 8)))

_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_blas_lock = threading.Lock()
_blas_users = 0
_blas_saved: list = []


def share(total: int) -> int:
    """This worker's part of a scratch budget of `total` bytes."""
    return max(1, total // getattr(_local, "parts", 1))


def splitting() -> bool:
    """Whether this thread runs one slice of a batch split over the cores."""
    return getattr(_local, "parts", 1) > 1


def over_batch(n: int, work: Callable[[int, int], T], min_images: int = 2) -> list[T]:
    """work(n0, n1) on contiguous slices of n images (or rows), one per worker, the results in order.

    Serial (one call over everything) for fewer than ``min_images`` images per worker, with one
    worker, or when already inside a worker. The calling thread takes the first slice; every
    slice has finished before this returns or raises.
    """
    if WORKERS == 1 and not splitting():
        # Serial by request: BLAS too, or its threads spin through every skinny per-image product
        # (measured: a TinyVGG step's CPU time nearly tripled).
        with single_threaded_blas():
            return [work(0, n)]
    parts = min(WORKERS, n // max(1, min_images))
    if parts <= 1 or getattr(_local, "parts", 1) > 1:
        return [work(0, n)]
    bounds = [(n * i // parts, n * (i + 1) // parts) for i in range(parts)]
    with single_threaded_blas():
        nice = thread_nice()
        futures = []
        try:
            for a, b in bounds[1:]:
                futures.append(_executor().submit(_run, work, a, b, parts, nice))
        except RuntimeError:  # the interpreter is exiting and starts no threads: finish here
            wait(futures)
            return [work(0, n)]
        try:
            first = _run(work, *bounds[0], parts)
        finally:
            wait(futures)
        return [first] + [f.result() for f in futures]


# Below this many values per worker, starting the workers costs more than the split saves.
MIN_SPLIT_VALUES = 1 << 16


def by_images(out: np.ndarray, fill: Callable[[slice], None]) -> np.ndarray:
    """fill(s) for slices s of the first axis of out, in parallel when out is large; returns out.

    For memory-bound loops (ReLU, pooling): each worker fills its own images of ``out``.
    """
    n = len(out) if out.ndim else 1
    per_image = out.size // max(1, n)
    images = max(1, -(-MIN_SPLIT_VALUES // max(1, per_image)))
    over_batch(n, lambda a, b: fill(slice(a, b)), min_images=images)
    return out


def _run(work, a: int, b: int, parts: int, nice: int | None = None):
    if nice is not None:
        lower_thread_priority(nice)
    _local.parts = parts
    try:
        return work(a, b)
    finally:
        _local.parts = 1


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, WORKERS - 1), thread_name_prefix="convstudio-kernel")
        return _pool


def thread_nice() -> int | None:
    """This thread's nice value (Linux keeps one per thread), None where there is none."""
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except (AttributeError, OSError):
        return None


def lower_thread_priority(nice: int) -> None:
    """Run this thread at nice value ``nice`` or lower priority; nothing where threads have none.

    Only ever lowers: an unprivileged process cannot raise a thread's priority again.
    """
    current = thread_nice()
    if current is not None and current < nice:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass


class single_threaded_blas:
    """BLAS at one thread from the first entry to the last exit (calls may overlap across threads)."""

    def __enter__(self):
        global _blas_users
        with _blas_lock:
            if _blas_users == 0:
                _blas_saved[:] = _blas_libraries()
                for lib, _ in _blas_saved:
                    lib.set_num_threads(1)
            _blas_users += 1

    def __exit__(self, *exc):
        global _blas_users
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                for lib, threads in _blas_saved:
                    lib.set_num_threads(threads)


_libraries: list | None = None


def _blas_libraries() -> list:
    """(library controller, its thread count) for each BLAS NumPy loaded (none without threadpoolctl)."""
    global _libraries
    if _libraries is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _libraries = []
        else:
            _libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return [(lib, lib.num_threads) for lib in _libraries]
