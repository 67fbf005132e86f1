"""Batch-parallel kernels: the split covers every image once, errors surface after every slice has
finished, and each kernel gives the serial result."""

import ast
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import convstudio
from convstudio import kernels
from convstudio.kernels import parallel
from convstudio.kernels.conv_grad import conv2d_input_grad, conv2d_weight_grad
from convstudio.kernels.elementwise import relu_backward
from convstudio.kernels.pool import avg_pool2d_backward, max_pool2d_backward, max_pool2d_with_taps


@pytest.fixture
def workers(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_SPLIT_VALUES", 1)

    def use(count):
        monkeypatch.setattr(parallel, "WORKERS", count)
    return use


def test_slices_cover_the_batch_in_order(workers):
    workers(3)
    seen = []
    results = parallel.over_batch(8, lambda a, b: seen.append((a, b)) or (a, b))
    assert results == sorted(seen) and results[0][0] == 0 and results[-1][1] == 8
    assert all(results[i][1] == results[i + 1][0] for i in range(len(results) - 1)) and len(results) == 3


def test_small_batches_and_nested_calls_stay_serial(workers):
    workers(2)
    assert parallel.over_batch(3, lambda a, b: (a, b)) == [(0, 3)]  # fewer than 2 images per worker
    inner = parallel.over_batch(4, lambda a, b: parallel.over_batch(b - a, lambda c, d: (c, d)))
    assert inner == [[(0, 2)], [(0, 2)]]


def test_an_error_surfaces_after_every_slice_finished(workers):
    workers(2)
    done, release = [], threading.Event()

    def work(a, b):
        if a == 0:
            raise ValueError("first slice failed")
        release.wait(5)
        done.append(a)

    timer = threading.Timer(0.2, release.set)
    timer.start()
    with pytest.raises(ValueError, match="first slice"):
        parallel.over_batch(4, work)
    assert done == [2]


def test_while_the_interpreter_exits_the_work_finishes_in_the_calling_thread(workers, monkeypatch):
    """A background job still running at exit must not fail: no new threads start, so it runs serially."""
    class ShutDown:
        def submit(self, *args):
            raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    workers(2)
    monkeypatch.setattr(parallel, "_executor", ShutDown)
    assert parallel.over_batch(4, lambda a, b: (a, b)) == [(0, 4)]


def test_workers_run_at_the_priority_of_the_caller(workers):
    """A background thread's slices must not compete with the window at a higher priority."""
    if parallel.thread_nice() is None:
        pytest.skip("threads have no priority of their own here")
    workers(2)
    seen = []

    def job():
        parallel.lower_thread_priority(parallel.thread_nice() + 3)
        seen.extend(parallel.over_batch(4, lambda a, b: parallel.thread_nice()))

    caller = threading.Thread(target=job)
    caller.start()
    caller.join()
    assert len(seen) == 2 and seen[0] == seen[1] and seen[1] >= 3


def test_blas_threads_are_restored(workers):
    workers(2)
    before = [threads for _, threads in parallel._blas_libraries()]
    inside = parallel.over_batch(4, lambda a, b: [t for _, t in parallel._blas_libraries()])
    assert all(t == 1 for part in inside for t in part) or not before
    assert [threads for _, threads in parallel._blas_libraries()] == before


def test_one_worker_runs_blas_at_one_thread_too(workers):
    workers(1)
    libraries = parallel._blas_libraries()
    before = [threads for _, threads in libraries]
    for lib, _ in libraries:
        lib.set_num_threads(2)
    try:
        inside = parallel.over_batch(8, lambda a, b: [t for _, t in parallel._blas_libraries()])
        assert inside == [[1] * len(libraries)]
        assert [t for _, t in parallel._blas_libraries()] == [2] * len(libraries)
    finally:
        for (lib, _), threads in zip(libraries, before):
            lib.set_num_threads(threads)


def both(workers, compute):
    """compute() with one worker and with two."""
    workers(1)
    serial = compute()
    workers(2)
    return serial, compute()


@pytest.mark.parametrize("c, k, size, padding, stride", [
    (10, 10, 40, 0, 1), (3, 10, 20, 1, 1), (128, 128, 24, 1, 1), (6, 4, 19, 2, 2), (4, 4, 20, 9, 1)])
def test_convolution_and_its_gradients_equal_the_serial_result(workers, c, k, size, padding, stride):
    rng = np.random.default_rng(c + k)
    x = rng.standard_normal((6, c, size, size)).astype(np.float32)
    weight = (rng.standard_normal((k, c, 3, 3)) * 0.1).astype(np.float32)
    bias = rng.standard_normal(k).astype(np.float32)
    geometry = dict(stride=(stride, stride), padding=((padding, padding), (padding, padding)))
    # Equal to float32 rounding: slices may take other paths or BLAS blockings than the whole.
    for images in (6, 1):  # split by images, and by bands of rows
        serial, split = both(workers, lambda: kernels.conv2d(x[:images], weight, bias, **geometry))
        same(serial, split)
    g = rng.standard_normal((6, *serial.shape[1:])).astype(np.float32)
    serial, split = both(workers, lambda: conv2d_input_grad(g, weight, x.shape, **geometry))
    same(serial, split)
    serial, split = both(workers, lambda: conv2d_weight_grad(x, g, (3, 3), **geometry))
    same(serial, split)


def test_bands_of_padding_alone_stay_serial(workers):
    """Padding 40 above a 2-row image: a band of rows would read padding only."""
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((1, 2, 2, 5)).astype(np.float32), rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    serial, split = both(workers, lambda: kernels.conv2d(x, weight, padding=((40, 0), (1, 1))))
    same(serial, split)
    assert np.abs(serial[:, :, :38]).max() == 0


def same(serial, split):
    assert serial.dtype == split.dtype == np.float32
    np.testing.assert_allclose(serial, split, rtol=1e-5, atol=1e-5 * np.abs(serial).max())


@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_relu_and_pooling_equal_the_serial_result(workers, kernel, stride, padding):
    rng = np.random.default_rng(kernel)
    x = rng.standard_normal((5, 3, 9, 8)).astype(np.float32)
    x[0, 0, :2, :2] = 1.0  # a tie: the first position must win in every split
    for fn in (lambda: kernels.relu(x), lambda: relu_backward(x, x * 2)):
        serial, split = both(workers, fn)
        np.testing.assert_array_equal(serial, split)
    serial, split = both(workers, lambda: max_pool2d_with_taps(x, kernel, stride, padding))
    for a, b in zip(serial, split):
        np.testing.assert_array_equal(a, b)
    g = rng.standard_normal(serial[0].shape).astype(np.float32)
    for fn in (lambda: max_pool2d_backward(x, g, kernel, stride, padding, taps=serial[1]),
               lambda: avg_pool2d_backward(x.shape, g, kernel, stride, padding)):
        serial_dx, split_dx = both(workers, fn)
        np.testing.assert_array_equal(serial_dx, split_dx)


def _blas_timeout_after_import(env: dict) -> str:
    """OPENBLAS_THREAD_TIMEOUT as a fresh interpreter sees it after `import convstudio`."""
    code = "import os, convstudio; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"} | env
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_convstudio_cuts_openblas_idle_spin_short():
    assert _blas_timeout_after_import({}) == "4"


def test_a_users_openblas_setting_wins():
    assert _blas_timeout_after_import({"OPENBLAS_THREAD_TIMEOUT": "20"}) == "20"


def test_the_blas_setting_comes_before_numpy_loads():
    """The setting only works before OpenBLAS loads, so nothing above it in the package may import NumPy."""
    tree = ast.parse(Path(convstudio.__file__).read_text())
    setting = next(i for i, node in enumerate(tree.body) if "OPENBLAS_THREAD_TIMEOUT" in ast.unparse(node))
    above = [node for node in tree.body[:setting] if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert [alias.name for node in above for alias in node.names] == ["os"]
