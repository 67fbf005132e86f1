"""The inspection panels in a real X window (Xvfb), driven by the real mouse (xdotool).

The app (MainWindow + install_inspection) runs in a subprocess with two test-only hooks:
CONVSTUDIO_TEST_GEOMETRY (where the canvas cards are on screen) and CONVSTUDIO_TEST_PANELS
(what the panels show and where the thumbnails are). The test clicks a conv layer on the
canvas, checks its maps are on screen (hook and screen pixels), clicks one map and checks the
large view shows it, then clicks a pixel of the large view.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import REPO, centre

pytestmark = pytest.mark.e2e

APP = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from convstudio.qt.app.main_window import MainWindow
from convstudio.qt.panels import install_inspection
window = MainWindow()
window.show()
install_inspection(window)  # returns the window's panels if MainWindow already installed them
sys.exit(app.exec())
"""


class PanelsApp:
    def __init__(self, display: str, workdir: Path):
        self.workdir = workdir
        shots = os.environ.get("CONVSTUDIO_E2E_SHOTS")
        self.shots = Path(shots) if shots else workdir
        self.shots.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                    "CONVSTUDIO_SETTINGS": str(workdir / "settings.ini"),
                    "CONVSTUDIO_TEST_GEOMETRY": str(workdir / "geometry.json"),
                    "CONVSTUDIO_TEST_PANELS": str(workdir / "panels.json"),
                    "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        with open(workdir / "app.log", "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-c", APP], cwd=workdir, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT)

    def wait_for(self, name: str, check, what: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                state = json.loads((self.workdir / name).read_text())
                if check(state):
                    return state
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                pass
            time.sleep(0.1)
        log = (self.workdir / "app.log").read_text(errors="replace")
        raise AssertionError(f"timed out waiting for {what}; last {name}: {json.dumps(state)[:1500]}\n{log[-2000:]}")

    def click(self, point) -> None:
        subprocess.run(["xdotool", "mousemove", "--sync", str(point[0]), str(point[1])], env=self.env, check=True)
        time.sleep(0.15)
        subprocess.run(["xdotool", "click", "1"], env=self.env, check=True)

    def screenshot(self, name: str) -> np.ndarray:
        from PIL import Image

        path = self.shots / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=20)
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def panels_app(xserver, tmp_path):
    app = PanelsApp(xserver.display, tmp_path)
    yield app
    app.close()


def clickable(rect, area) -> bool:
    """The card's centre lies on the canvas, clear of its edges and scroll bars."""
    x, y = centre(rect)
    ax, ay, aw, ah = area
    return ax + 10 <= x <= ax + aw - 20 and ay + 10 <= y <= ay + ah - 20


@pytest.mark.parametrize("xserver", [(1280, 800), (1920, 1080)], indirect=True, ids=["1280x800", "1920x1080"])
def test_select_a_conv_layer_then_a_map_then_a_pixel(panels_app, xserver):
    app = panels_app
    state = app.wait_for("panels.json", lambda s: s["has_results"] and s["tiles"] and not s["busy"],
                         "the first run's feature maps")
    first = state["node"]
    app.screenshot(f"panels-{xserver.width}x{xserver.height}-launched")
    geo = app.wait_for("geometry.json", lambda g: g["nodes"], "the canvas cards")
    visible = [nid for nid in geo["nodes"] if nid.startswith("conv") and nid != first
               and clickable(geo["nodes"][nid]["rect"], geo["canvas"])]
    assert visible, f"no conv layer other than {first} is visible on the canvas"
    target = visible[0]
    app.click(centre(geo["nodes"][target]["rect"]))

    state = app.wait_for("panels.json", lambda s: s["node"] == target and len(s["tiles"]) == s["channels"],
                         f"the maps of {target}")
    assert state["titles"][:3] == ["ch 0", "ch 1", "ch 2"]
    shot = app.screenshot(f"panels-{xserver.width}x{xserver.height}-selected")
    x, y, w, h = state["tiles"][0]
    assert shot[y:y + h, x:x + w].reshape(-1, 3).std(axis=0).max() > 5, "the first map is drawn flat"

    app.click(centre(state["tiles"][3]))
    state = app.wait_for("panels.json", lambda s: s["channel"] == 3, "channel 3 picked")
    assert f"ch 3 of {state['channels']}" in state["large_title"]

    x, y, w, h = state["large_image"]
    app.click((x + w // 3, y + h // 4))
    state = app.wait_for("panels.json", lambda s: s["pixel_clicks"], "a pixel picked in the large view")
    node, channel, row, col = state["pixel_clicks"][-1]
    rows, cols = state["large_shape"]
    assert (node, channel) == (target, 3)
    assert abs(row - rows // 4) <= 1 and abs(col - cols // 3) <= 1
    app.screenshot(f"panels-{xserver.width}x{xserver.height}-picked")
