"""Panels installed in a real MainWindow (offscreen), with answers for file dialogs and a message log."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from convstudio.graph import Network
from tests.qt.qt_nets import laid_out


def panels_network() -> Network:
    """image 3×32×32 → conv1 (8) → relu1 → pool1 → conv2 (groups 2, 6) → flat → fc (10) → probs."""
    steps = [("Input", "image", {"channels": 3, "height": 32, "width": 32}, []),
             ("Conv2D", "conv1", {"filters": 8, "kernel_size": 3, "padding": 1}, ["image"]),
             ("ReLU", "relu1", {}, ["conv1"]),
             ("MaxPool2D", "pool1", {}, ["relu1"]),
             ("Conv2D", "conv2", {"filters": 6, "kernel_size": 3, "groups": 2}, ["pool1"]),
             ("Flatten", "flat", {}, ["conv2"]),
             ("Dense", "fc", {"units": 10}, ["flat"]),
             ("Softmax", "probs", {}, ["fc"])]
    return laid_out("Panels", steps)


class FileAnswers:
    """Stands in for convstudio.qt.panels.file_dialogs."""

    def __init__(self):
        self.open_image = ""
        self.open_weights = ""
        self.save = ""
        self.calls = []


@pytest.fixture(autouse=True)
def file_answers(monkeypatch):
    from convstudio.qt.panels import file_dialogs

    answers = FileAnswers()

    def record(name, value):
        def answer(*args, **kwargs):
            answers.calls.append((name, args[1:]))
            return getattr(answers, value)
        return answer
    monkeypatch.setattr(file_dialogs, "open_image", record("open_image", "open_image"))
    monkeypatch.setattr(file_dialogs, "open_weights", record("open_weights", "open_weights"))
    monkeypatch.setattr(file_dialogs, "save_file", record("save_file", "save"))
    return answers


def wait_idle(qtbot, controller, timeout=20000):
    """Until no job is scheduled or running."""
    qtbot.waitUntil(lambda: not controller.working, timeout=timeout)


def make_window(qtbot, network=None, size=(1280, 800)):
    from convstudio.qt.app.main_window import MainWindow
    from convstudio.qt.panels import install_inspection

    win = MainWindow(network=network if network is not None else panels_network())
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    panels = install_inspection(win)
    win._test_panels = panels
    return win, panels


@pytest.fixture
def win(qtbot):
    win, panels = make_window(qtbot)
    qtbot.waitUntil(lambda: panels.controller.results is not None, timeout=20000)
    wait_idle(qtbot, panels.controller)
    yield win
    panels.controller.shutdown()


@pytest.fixture
def panels(win):
    return win._test_panels


def select(win, node_id):
    win.scene.select_ids([node_id])
    win._on_selection()
    QApplication.processEvents()


def show_dock(panels, key):
    """Bring a panel's tab to the front (hidden panels postpone their drawing until shown)."""
    panels.docks[key].raise_()
    QApplication.processEvents()


@pytest.fixture
def slow_runs(monkeypatch):
    """Forward passes that take ~60 ms per layer, so a test can act while one is running."""
    from convstudio.qt.panels import run_worker

    real = run_worker.run_network
    state = {"delay": 0.06}

    def slow(*args, progress=None, **kwargs):
        def step(done, total, nid):
            time.sleep(state["delay"])
            if progress is not None:
                progress(done, total, nid)
        return real(*args, progress=step, **kwargs)
    monkeypatch.setattr(run_worker, "run_network", slow)
    return state


def png_pixels(path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))
