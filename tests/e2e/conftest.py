"""A real X server (Xvfb) and the real app, driven by xdotool like a person at the mouse."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "xdotool", "import")


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number between :90 and :199")


@pytest.fixture
def xserver(request):
    """Start Xvfb at the size given by indirect parametrisation (default 1280×800); yields DISPLAY."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"end-to-end test needs {', '.join(missing)} (apt install xvfb xdotool imagemagick)")
    width, height = getattr(request, "param", (1280, 800))
    n = _free_display()
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{n}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.skip(f"Xvfb could not start on :{n}")
        time.sleep(0.05)
    yield XServer(f":{n}", width, height)
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


class XServer:
    def __init__(self, display: str, width: int, height: int):
        self.display, self.width, self.height = display, width, height


class AppProcess:
    """What every real-window test does with the app it started: xdotool input on its display, a
    screenshot of the screen, and closing it. Subclasses set env, shots, proc and log."""

    def xdo(self, *args) -> None:
        subprocess.run(["xdotool", *map(str, args)], env=self.env, check=True, timeout=10)

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=20)
        return path

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class RunningApp(AppProcess):
    """The app as a subprocess, with its test-only geometry file and helpers for xdotool."""

    def __init__(self, server: XServer, workdir: Path, network: Path | None):
        display = server.display
        self.display, self.workdir = display, workdir
        self.geometry = workdir / "geometry.json"
        shots = os.environ.get("CONVSTUDIO_E2E_SHOTS")  # keep screenshots somewhere to look at them
        self.shots = Path(shots) / f"{server.width}x{server.height}" if shots else workdir / "shots"
        self.shots.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                    "CONVSTUDIO_SETTINGS": str(workdir / "settings.ini"),
                    "XDG_DATA_HOME": str(workdir / "data"),  # autosaves
                    "CONVSTUDIO_TEST_GEOMETRY": str(self.geometry),
                    "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        args = [sys.executable, "-m", "convstudio"] + ([str(network)] if network else [])
        self.log = open(workdir / "app.log", "wb")
        self.proc = subprocess.Popen(args, cwd=workdir, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    # -- reading the app's state ------------------------------------------------------------------------
    def geo(self) -> dict:
        try:
            return json.loads(self.geometry.read_text())
        except (OSError, ValueError):
            return {}

    def wait_for(self, predicate, what: str, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode}) while waiting for {what}: "
                                     f"{(self.workdir / 'app.log').read_text(errors='replace')}")
            g = self.geo()
            try:
                if g and predicate(g):
                    return g
            except (KeyError, IndexError, TypeError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last state: {json.dumps(self.geo())[:1500]}")

    # -- input ------------------------------------------------------------------------------------------
    def move(self, x: int, y: int) -> None:
        self.xdo("mousemove", int(x), int(y))

    def drag(self, start, end, steps: int = 24) -> None:
        """Press, move in small steps (so Qt sees a drag start), release."""
        self.move(*start)
        time.sleep(0.15)
        self.xdo("mousedown", 1)
        time.sleep(0.1)
        for k in range(1, steps + 1):
            self.move(start[0] + (end[0] - start[0]) * k / steps, start[1] + (end[1] - start[1]) * k / steps)
            time.sleep(0.02)
        time.sleep(0.15)
        self.xdo("mouseup", 1)
        time.sleep(0.2)

    def click(self, point) -> None:
        self.move(*point)
        time.sleep(0.1)
        self.xdo("click", 1)
        time.sleep(0.2)

    def key(self, *keys) -> None:
        self.xdo("key", "--delay", 60, *keys)
        time.sleep(0.2)

    def type(self, text: str) -> None:
        self.xdo("type", "--delay", 60, text)
        time.sleep(0.2)


@pytest.fixture
def launch(xserver, tmp_path):
    apps = []

    def start(network: Path | None = None) -> RunningApp:
        app = RunningApp(xserver, tmp_path, network)
        apps.append(app)
        return app
    yield start
    for app in apps:
        app.close()


def centre(rect) -> tuple[int, int]:
    x, y, w, h = rect
    return x + w // 2, y + h // 2
