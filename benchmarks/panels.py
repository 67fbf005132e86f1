"""How long switching the selected layer takes in the feature-maps panel, repaint included,
and how long the window stops answering while VGG-16 runs.

Targets: ≤ 100 ms per switch for the two extremes of VGG-16: 512 maps of 14×14 (conv5_3) and
64 maps of 224×224 (conv1_1); no main-thread stall over 100 ms during a VGG-16 run. For the
switches the activations are random arrays handed to the panel directly, so the figure is the
panel's own cost (colouring, tiling, the large view, painting), not the forward pass. The stall
is the longest gap between two ticks of a 10 ms timer while a real run (weights drawn, forward
pass, results shown) goes on in the background. The same gap is measured while TinyVGG trains
in the Train dock (shapes at 3×64×64, live curves, gradient chart, the panels refreshed with
the weights about once a second and re-run, the trained weights kept at the end). Runs offscreen unless DISPLAY is set, with
fresh settings so a remembered layout cannot hide the panel.

    python benchmarks/panels.py [--repeat 10] [--no-run] [--no-train] [--train-images 600]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CONVSTUDIO_SETTINGS", str(Path(tempfile.mkdtemp(prefix="convstudio-bench-")) / "settings.ini"))

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDockWidget

from convstudio.io.templates import load_template
from convstudio.qt.panels.run_controller import RunResults

CASES = {"conv5_3": (512, 14, 14), "conv1_1": (64, 224, 224)}


def setup():
    from convstudio.qt.app.main_window import MainWindow
    from convstudio.qt.panels import install_inspection

    window = MainWindow(network=load_template("vgg16"))
    window.resize(1920, 1080)
    window.show()
    panels = install_inspection(window)
    panels.controller.cancel()  # VGG-16 is too big to run automatically anyway; no forward pass here
    rng = np.random.default_rng(0)
    acts = {nid: rng.standard_normal(shape, dtype=np.float32) for nid, shape in CASES.items()}
    controller = panels.controller
    controller.results = RunResults(acts, controller.revision, window.doc.report, 0.0, "sample:scene")
    controller.results_changed.emit()
    dock = next(d for d in window.findChildren(QDockWidget) if d.isAncestorOf(panels.feature_maps))
    dock.raise_()
    QApplication.processEvents()
    if panels.feature_maps.grid.visibleRegion().isEmpty():
        raise SystemExit("the feature-maps panel is not on screen: the figures would not include painting")
    return window, panels


class Ticks:
    """A 10 ms timer's gaps: wall time, and the GUI thread's own CPU time within each gap.

    On a shared machine a gap can be long because the GUI thread waited for a core; the CPU
    time says how much of it was the window's own work.
    """

    def __init__(self):
        self.gaps: list[tuple[float, float]] = []  # (wall ms, GUI-thread CPU ms)
        self._wall = self._cpu = None
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        if self._wall is not None:
            self.gaps.append(((wall - self._wall) * 1000, (cpu - self._cpu) * 1000))
        self._wall, self._cpu = wall, cpu

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def longest(self) -> tuple[float, float]:
        """(longest gap, GUI-thread CPU in it) in ms."""
        return max(self.gaps, default=(0.0, 0.0))

    def busiest(self) -> float:
        """The most CPU the GUI thread used between two ticks, in ms."""
        return max((cpu for _wall, cpu in self.gaps), default=0.0)

    def describe(self) -> str:
        wall, cpu = self.longest()
        return (f"longest stall of the window {wall:.0f} ms (its own work {cpu:.0f} ms of it; the most work "
                f"between two ticks {self.busiest():.0f} ms; load average {os.getloadavg()[0]:.2f})")


def longest_stall_ms(panels, timeout_s: float = 120.0) -> tuple[Ticks, float]:
    """Run VGG-16 (F5) and return (the 10 ms ticks' gaps, run seconds) until its results are shown."""
    controller = panels.controller
    timer = Ticks()
    before = controller.results
    start = time.perf_counter()
    timer.start()
    controller.run()
    while (controller.results is before or controller.working) and time.perf_counter() - start < timeout_s:
        QApplication.processEvents()
        time.sleep(0.001)
    for _ in range(20):  # the panels draw the new results in the turns that follow
        QApplication.processEvents()
    timer.stop()
    if controller.results is before:
        raise SystemExit(f"VGG-16 did not finish within {timeout_s:.0f} s: {controller.error}")
    return timer, time.perf_counter() - start


def training_stall_ms(images: int, timeout_s: float = 600.0) -> tuple[Ticks, float, int]:
    """Train TinyVGG for one epoch in the Train dock: (the 10 ms ticks' gaps, seconds, batches)."""
    from convstudio.qt.app.main_window import MainWindow

    window = MainWindow(network=load_template("tinyvgg"))
    window.resize(1920, 1080)
    window.show()
    tools = window.training
    panel = tools.open()
    panel.count.setValue(images)
    start = time.perf_counter()
    while tools.session.data is None and time.perf_counter() - start < timeout_s:
        QApplication.processEvents()
        time.sleep(0.005)
    if tools.session.refusal:
        raise SystemExit(f"TinyVGG cannot be trained: {tools.session.refusal}")
    panel.epochs.setValue(1)
    panel.tabs.setCurrentWidget(panel.gradients)  # the busiest chart on screen
    timer = Ticks()
    timer.start()
    start = time.perf_counter()
    panel.start.click()
    while tools.session.busy and time.perf_counter() - start < timeout_s:
        QApplication.processEvents()
        time.sleep(0.001)
    controller = window.inspection.controller
    while controller.working and time.perf_counter() - start < timeout_s:  # the run with the kept weights
        QApplication.processEvents()
        time.sleep(0.001)
    for _ in range(20):
        QApplication.processEvents()
    timer.stop()
    seconds = time.perf_counter() - start
    batches = len(panel.curves.steps)
    tools.session.shutdown()
    controller.shutdown()
    window.doc.stack.setClean()
    window.close()
    return timer, seconds, batches


def switch_ms(panels, node_id: str) -> float:
    maps = panels.feature_maps
    start = time.perf_counter()
    maps.show_node(node_id)
    QApplication.processEvents()  # the large view is filled in the next turn of the event loop
    maps.repaint()  # synchronous paint of the grid and the large view
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-run", action="store_true", help="skip the VGG-16 run (about 2 s, 600 MB)")
    parser.add_argument("--no-train", action="store_true", help="skip training TinyVGG in the Train dock")
    parser.add_argument("--train-images", type=int, default=600, help="shapes images for the training run")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window, panels = setup()
    other = {"conv5_3": "conv1_1", "conv1_1": "conv5_3"}
    print(f"platform: {app.platformName()}, window {window.width()}×{window.height()}")
    for nid, shape in CASES.items():
        times = []
        for _ in range(args.repeat):
            panels.feature_maps.show_node(other[nid])
            QApplication.processEvents()
            times.append(switch_ms(panels, nid))
        c, h, w = shape
        print(f"{nid}: {c} maps of {h}×{w}: median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms over {args.repeat} switches (target ≤ 100 ms)")
    if not args.no_run:
        ticks, seconds = longest_stall_ms(panels)
        print(f"VGG-16 run in the window: {seconds:.2f} s to results on screen, {ticks.describe()} "
              f"(target ≤ 100 ms)")
    panels.controller.shutdown()
    window.close()
    if not args.no_train:
        ticks, seconds, batches = training_stall_ms(args.train_images)
        print(f"TinyVGG training in the Train dock: 1 epoch of {batches} batches on {args.train_images} shapes "
              f"in {seconds:.1f} s, {ticks.describe()} (target ≤ 100 ms)")


if __name__ == "__main__":
    main()
