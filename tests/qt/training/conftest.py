"""A tiny trainable network in a real MainWindow (offscreen) with its Train dock open on a tiny dataset."""
from __future__ import annotations

import pytest

from convstudio.graph import Network
from tests.qt.qt_nets import laid_out


def tiny_network(classes: int = 3, name: str = "Tiny") -> Network:
    """image 3×16×16 → conv1 (4) → relu1 → pool1 → flat → fc (classes)."""
    steps = [("Input", "image", {"channels": 3, "height": 16, "width": 16}, []),
             ("Conv2D", "conv1", {"filters": 4, "kernel_size": 3, "padding": 1}, ["image"]),
             ("ReLU", "relu1", {}, ["conv1"]),
             ("MaxPool2D", "pool1", {}, ["relu1"]),
             ("Flatten", "flat", {}, ["pool1"]),
             ("Dense", "fc", {"units": classes}, ["flat"])]
    return laid_out(name, steps)


def open_window(qtbot, network):
    from convstudio.qt.app.main_window import MainWindow

    win = MainWindow(network=network)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


def wait_idle(qtbot, controller, timeout=20000):
    qtbot.waitUntil(lambda: not controller.working, timeout=timeout)


@pytest.fixture
def win(qtbot):
    win = open_window(qtbot, tiny_network())
    wait_idle(qtbot, win.inspection.controller)
    yield win
    win.training.session.shutdown()
    win.inspection.controller.shutdown()


def open_dock(qtbot, win, count=30):
    """Run ▸ Train… then a 30-image shapes set (24 training, 6 validation images) loaded."""
    win.training.action.trigger()
    panel = win.training.panel
    panel.count.setValue(count)
    qtbot.waitUntil(lambda: win.training.session.data is not None
                    and len(win.training.session.data.y_train) + len(win.training.session.data.y_val) == count,
                    timeout=20000)
    panel.batch.setValue(8)
    panel.epochs.setValue(2)
    return panel


@pytest.fixture
def panel(qtbot, win):
    return open_dock(qtbot, win)
