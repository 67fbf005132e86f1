"""The Train dock in a real X window (Xvfb), driven by the real mouse and keyboard (xdotool).

The app runs in a subprocess on a tiny network; a test-only timer in it writes where the dock's
controls are on screen and what the training is doing (train.json). The test opens Run ▸ Train…
from the menu bar, asks for 60 images, starts training, pauses, trains one batch with Step,
types a new learning rate and checks the next batch uses it, then stops and checks the trained
weights are the document's (one undo step, class names set).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convstudio.engine.data import shapes

from .conftest import REPO, AppProcess, centre

pytestmark = pytest.mark.e2e

APP = """
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from convstudio.io import load_network
from convstudio.qt.app.main_window import MainWindow
from convstudio.qt.panels.run_menu import run_menu
window = MainWindow(network=load_network(sys.argv[1]))
window.show()
out = Path(os.environ["TRAIN_PROBE"])

def rect(widget):
    p = widget.mapToGlobal(QPoint(0, 0))
    return [p.x(), p.y(), widget.width(), widget.height()]

def probe():
    menu = run_menu(window)
    bar = window.menuBar()
    r = bar.actionGeometry(menu.menuAction())
    p = bar.mapToGlobal(r.topLeft())
    state = {"run_menu": [p.x(), p.y(), r.width(), r.height()], "menu_open": menu.isVisible()}
    if menu.isVisible():
        a = menu.actionGeometry(window.training.action)
        q = menu.mapToGlobal(a.topLeft())
        state["train_item"] = [q.x(), q.y(), a.width(), a.height()]
    panel = window.training.panel
    if panel is not None and panel.isVisible():
        s = window.training.session
        state.update({k: rect(getattr(panel, k)) for k in ("start", "pause", "step", "stop", "lr", "count", "epochs",
                                                           "batch")})
        state.update(state=s.state, loaded=s.data is not None and len(s.data.y_train) + len(s.data.y_val),
                     steps=len(panel.curves.steps), event_lr=panel.last_event.lr if panel.last_event else None,
                     lr_box=panel.lr.value(), count_box=panel.count.value(), epochs_box=panel.epochs.value(),
                     batch_box=panel.batch.value(), start_text=panel.start.text(),
                     enabled={k: getattr(panel, k).isEnabled() for k in ("start", "pause", "step", "stop")},
                     undo=window.doc.stack.undoText(), undo_count=window.doc.stack.count(),
                     labels=list(window.doc.net.labels), modified=window.doc.modified,
                     status=panel.status.text())
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(out)

timer = QTimer(interval=100)
timer.timeout.connect(probe)
timer.start()
sys.exit(app.exec())
"""


def tiny_network_file(folder: Path) -> Path:
    from convstudio.graph import AddNode, Network, layered_positions
    from convstudio.io import save_network

    net = Network("Tiny")
    for type_name, nid, params, inputs in [
            ("Input", "image", {"channels": 3, "height": 16, "width": 16}, []),
            ("Conv2D", "conv1", {"filters": 4, "kernel_size": 3, "padding": 1}, ["image"]),
            ("ReLU", "relu1", {}, ["conv1"]),
            ("MaxPool2D", "pool1", {}, ["relu1"]),
            ("Flatten", "flat", {}, ["pool1"]),
            ("Dense", "fc", {"units": 3}, ["flat"])]:
        AddNode(type_name, params, node_id=nid, inputs=inputs).redo(net)
    for nid, pos in layered_positions(net).items():
        net.node(nid).position = pos
    path = folder / "tiny.json"
    save_network(net, path)
    return path


class TrainApp(AppProcess):
    def __init__(self, display: str, workdir: Path):
        self.workdir = workdir
        self.probe = workdir / "train.json"
        shots = os.environ.get("CONVSTUDIO_E2E_SHOTS")
        self.shots = Path(shots) if shots else workdir
        self.shots.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                    "CONVSTUDIO_SETTINGS": str(workdir / "settings.ini"), "XDG_DATA_HOME": str(workdir / "data"),
                    "TRAIN_PROBE": str(self.probe),
                    "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        network = tiny_network_file(workdir)
        self.log = open(workdir / "app.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-c", APP, str(network)], cwd=workdir, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_for(self, check, what: str, timeout: float = 40.0) -> dict:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                state = json.loads(self.probe.read_text())
                if check(state):
                    return state
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                pass
            time.sleep(0.1)
        log = (self.workdir / "app.log").read_text(errors="replace")
        raise AssertionError(f"timed out waiting for {what}; last state: {json.dumps(state)[:1500]}\n{log[-2000:]}")

    def click(self, point) -> None:
        self.xdo("mousemove", "--sync", int(point[0]), int(point[1]))
        time.sleep(0.15)
        self.xdo("click", 1)
        time.sleep(0.15)

    def type_into(self, rect, text: str) -> None:
        """Click a spin box, select its text, type, press Enter (as a person would)."""
        self.click(centre(rect))
        self.xdo("key", "--delay", 50, "ctrl+a")
        self.xdo("type", "--delay", 50, text)
        self.xdo("key", "Return")
        time.sleep(0.2)


@pytest.fixture
def app(xserver, tmp_path):
    running = TrainApp(xserver.display, tmp_path)
    yield running
    running.close()


@pytest.mark.parametrize("xserver", [(1366, 768)], indirect=True)
def test_train_pause_step_learning_rate_and_stop_with_the_mouse(app):
    s = app.wait_for(lambda s: s["run_menu"][2] > 0, "the window and its Run menu")
    app.click(centre(s["run_menu"]))
    s = app.wait_for(lambda s: s["menu_open"] and s["train_item"][2] > 0, "the Run menu to open")
    app.click(centre(s["train_item"]))
    s = app.wait_for(lambda s: s.get("loaded") == shapes.DEFAULT_COUNT, "the Train dock with shapes loaded",
                     timeout=90)
    app.type_into(s["count"], "60")
    app.type_into(s["epochs"], "200")
    app.type_into(s["batch"], "8")
    s = app.wait_for(lambda s: s["loaded"] == 60 and s["epochs_box"] == 200 and s["batch_box"] == 8,
                     "60 images, 200 epochs, batches of 8")
    assert s["enabled"] == {"start": True, "pause": False, "step": True, "stop": False}
    app.screenshot("train-dock-ready")

    app.click(centre(s["start"]))
    s = app.wait_for(lambda s: s["state"] == "training" and s["steps"] >= 3, "training to run")
    assert s["enabled"] == {"start": False, "pause": True, "step": False, "stop": True}
    app.click(centre(s["pause"]))
    s = app.wait_for(lambda s: s["state"] == "paused" and s["start_text"] == "Resume", "Pause")
    time.sleep(1.0)  # a batch in flight when Pause was pressed still arrives
    paused = app.wait_for(lambda s: True, "state")["steps"]
    time.sleep(1.0)
    s = app.wait_for(lambda s: True, "state")
    assert s["steps"] == paused and s["enabled"]["step"] and not s["enabled"]["pause"]

    app.click(centre(s["step"]))
    s = app.wait_for(lambda s: s["steps"] == paused + 1, "one batch from Step")
    assert s["state"] == "paused"
    app.type_into(s["lr"], "0.05")
    s = app.wait_for(lambda s: abs(s["lr_box"] - 0.05) < 1e-9, "the typed learning rate")
    app.click(centre(s["step"]))
    s = app.wait_for(lambda s: s["steps"] == paused + 2, "the next batch")
    assert abs(s["event_lr"] - 0.05) < 1e-9
    app.screenshot("train-dock-paused")

    count = s["undo_count"]
    app.click(centre(s["stop"]))
    s = app.wait_for(lambda s: s["state"] == "idle" and s["undo_count"] == count + 1, "Stop keeping the weights")
    assert s["undo"].startswith("Train ") and s["undo"].endswith(" on shapes")
    assert s["labels"] == ["circle", "square", "triangle"] and s["modified"]
    assert "stopped" in s["status"]
    app.screenshot("train-dock-stopped")
