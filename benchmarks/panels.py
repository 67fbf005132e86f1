"""How long switching the selected layer takes in the feature-maps panel, repaint included.

Target: ≤ 100 ms for the two extremes of VGG-16: 512 maps of 14×14 (conv5_3) and 64 maps of
224×224 (conv1_1). The activations are random arrays of those shapes handed to the panel
directly, so the figure is the panel's own cost (colouring, tiling, the large view,
painting), not the forward pass. Runs offscreen unless DISPLAY is set.

    python benchmarks/panels.py [--repeat 10]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CONVSTUDIO_SETTINGS", str(Path(os.environ.get("TMPDIR", "/tmp")) / "convstudio-bench.ini"))

import numpy as np
from PySide6.QtWidgets import QApplication

from convstudio.io.templates import load_template
from convstudio.qt.panels.run_controller import RunResults

CASES = {"conv5_3": (512, 14, 14), "conv1_1": (64, 224, 224)}


def setup():
    from convstudio.qt.main_window import MainWindow
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
    QApplication.processEvents()
    if not panels.feature_maps.grid.isVisible():
        raise SystemExit("the feature-maps panel is not visible: the figures would not include painting")
    return window, panels


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
    panels.controller.shutdown()
    window.close()


if __name__ == "__main__":
    main()
