"""Regenerate every image in docs/screenshots/ from the app itself.

The README and the guided tour show the main window, the inspection panels and the
"Convolution explained" views. Pictures taken by hand drift away from the app as it changes,
and nobody can tell how they were made. This script opens the real MainWindow, does what the
text around each image describes (open a template, run it, select a layer, pick a pixel,
Tools ▸ Convert, a larger input), waits for the runs to finish and saves the window, or one
explain view floated on its own, with `QWidget.grab()`.

It always renders offscreen on a virtual screen at 96 dpi and gives every window a fresh
settings file, so neither the desktop (theme, scaling, screen size) nor a remembered layout
changes the result; the weights are the template's trained ones where it ships them, else the
seed-0 ones, so the numbers are the same on every run. Fonts come from the machine (DejaVu Sans on Debian/Ubuntu). An image taken on a smaller
screen than 1920×1080 is made in a second process with that screen, where the app starts
maximized as it would for a user.

    python tools/take_screenshots.py [NAME ...] [--out DIR]

NAME is an image without ".png" (default: all of them). The VGG-16 images run the network
(a few seconds each); everything takes well under a minute.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget  # noqa: E402

from convstudio.graph import SetParams  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
FULL_HD = (1920, 1080)
VIEW = (1056, 700)  # an explain view on its own: readable at the width of a documentation page
RUN_TIMEOUT_S = 180.0
TMP = Path(tempfile.mkdtemp(prefix="convstudio-shots-"))


# -- the headless application ------------------------------------------------------------------------
def offscreen_platform(screen: tuple[int, int]) -> str:
    """Qt's offscreen platform with one screen of this size (its default screen is 800×800)."""
    config = TMP / f"screen-{screen[0]}x{screen[1]}.json"
    config.write_text(json.dumps({"screens": [{"name": "shots", "x": 0, "y": 0, "width": screen[0],
                                               "height": screen[1], "logicalDpi": 96, "logicalBaseDpi": 96,
                                               "dpr": 1}]}))
    return f"offscreen:configfile={config}"


def quiet_platform_notes(kind, _context, message: str) -> None:
    """Drop the offscreen platform's "This plugin does not support raise()" notes; print the rest."""
    if not (kind == QtMsgType.QtWarningMsg and message.startswith("This plugin does not support")):
        print(message, file=sys.stderr)


def start_app(screen: tuple[int, int]) -> QApplication:
    os.environ["QT_QPA_PLATFORM"] = offscreen_platform(screen)
    os.environ["CONVSTUDIO_SETTINGS"] = str(TMP / "settings.ini")  # no remembered layout or recent files
    qInstallMessageHandler(quiet_platform_notes)
    app = QApplication([sys.argv[0]])
    app.setOrganizationName("ConvStudio")
    app.setApplicationName("ConvStudio")
    return app


# -- driving the app -----------------------------------------------------------------------------------
def settle(seconds: float = 0.3) -> None:
    """Let the event loop run for a while: deferred layouts, paints and single-shot timers."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def open_window(template: str, size: tuple[int, int] = FULL_HD):
    """A MainWindow with `template` open, shown at `size`, with settings of its own (a first start)."""
    from convstudio.qt.app.main_window import MainWindow

    settings = QSettings(str(Path(tempfile.mkdtemp(dir=TMP)) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)  # the first window, then File ▸ New from Template as a user would
    if not window.files.new_from_template(template):
        raise SystemExit(f"could not open the template {template}")
    window.resize(*size)
    window.show()
    settle()
    return window


def wait_for_run(window, timeout_s: float = RUN_TIMEOUT_S) -> None:
    """Until the run in progress (or about to start) has finished and its results are on screen."""
    controller = window.inspection.controller
    end = time.monotonic() + timeout_s
    while controller.working or controller.results is None or controller.stale:
        if controller.error:
            raise SystemExit(f"{window.doc.net.name}: the run failed: {controller.error}")
        if time.monotonic() > end:
            raise SystemExit(f"{window.doc.net.name}: the run did not finish within {timeout_s:.0f} s")
        QApplication.processEvents()
        time.sleep(0.01)
    settle(0.5)


def run_now(window) -> None:
    """Run ▸ Run Network (F5): networks over 2 G MACs do not run after each edit by themselves."""
    window.inspection.controller.run()
    wait_for_run(window)


def show_maps(window, node_id: str, channel: int) -> None:
    """Select `node_id` on the canvas, Feature maps in front, `channel` shown large."""
    window.inspection.docks["feature_maps"].raise_()
    window.reveal(node_id)
    settle()
    window.inspection.feature_maps.select_channel(channel)
    settle()


def pick_pixel(window, row: int, col: int, explain: bool = True) -> None:
    """Click a pixel of the large map: it is marked, and (explain) taken apart in One Value."""
    view = window.inspection.feature_maps.view
    view.pick(row, col)
    if explain:
        view.pixel_clicked.emit(row, col)
    settle()


def float_view(window, key: str, size: tuple[int, int] = VIEW) -> QDockWidget:
    """An explain view's dock floated on its own at `size` (its grab leaves out the rest of the window)."""
    dock = window.explain.docks[key]
    dock.setFloating(True)
    dock.show()
    dock.resize(*size)
    settle(0.5)
    return dock


def done_with(window) -> None:
    """Drop the window without closing it: closing would save its layout and might ask to save the network."""
    window.inspection.controller.shutdown()
    for dock in window.findChildren(QDockWidget):
        dock.hide()
    window.hide()
    window.deleteLater()
    settle(0.1)


def save(widget: QWidget, path: Path) -> None:
    if isinstance(widget, QMainWindow):
        widget.statusBar().clearMessage()  # "Ran VGG-16 in 1.2 s." would differ from one run to the next
        settle(0.1)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"cannot write {path}")
    print(f"wrote {path} ({widget.width()}×{widget.height()})")


# -- the images --------------------------------------------------------------------------------------------
def main_window(path: Path) -> None:
    """README: TinyVGG after its run; conv1_2's feature maps, a picked pixel taken apart in One Value."""
    window = open_window("tinyvgg")
    wait_for_run(window)
    show_maps(window, "conv1_2", 2)
    pick_pixel(window, 30, 27)
    save(window, path)
    done_with(window)


def panels_tinyvgg(path: Path) -> None:
    """TinyVGG on a 1280×800 screen: conv1_2 selected in the Inspector, its feature maps in front."""
    window = open_window("tinyvgg", (1280, 800))
    wait_for_run(window)
    show_maps(window, "conv1_2", 3)
    pick_pixel(window, 20, 30, explain=False)
    save(window, path)
    done_with(window)


def panels_vgg16(path: Path) -> None:
    """README: VGG-16 run on the scene sample, conv2_1's 128 feature maps."""
    window = open_window("vgg16")
    window.inspection.controller.set_source("sample:scene")
    run_now(window)
    show_maps(window, "conv2_1", 5)
    pick_pixel(window, 37, 56, explain=False)
    save(window, path)
    done_with(window)


def explain_window(path: Path) -> None:
    """Tour §1: "Try your own numbers" with i 9, F 3, S 3, P 1: rows and columns the window never reaches."""
    window = open_window("tinyvgg")
    view = window.explain.views["window"]
    view.try_values("Conv2D", size=9, kernel=3, stride=3, padding=1, dilation=1)
    view.go_to(1, 2)
    save(float_view(window, "window", (1056, 560)), path)
    done_with(window)


def explain_breakdown(path: Path) -> None:
    """Tour §2: TinyVGG's conv2_1, channel 3, pixel (9, 12) picked in Feature maps and taken apart."""
    window = open_window("tinyvgg")
    wait_for_run(window)
    show_maps(window, "conv2_1", 3)
    pick_pixel(window, 9, 12)
    save(float_view(window, "breakdown"), path)
    done_with(window)


def explain_sharing(path: Path) -> None:
    """Tour §3: the standard example, one channel, a 3×3 kernel on a 4×4 input, as a 4×16 matrix."""
    window = open_window("tinyvgg")
    window.explain.views["sharing"].show_example(C=1, K=1, H=4, W=4, F=3, S=1, P=0, D=1)
    save(float_view(window, "sharing", (1056, 520)), path)
    done_with(window)


def explain_fc(path: Path) -> None:
    """Tour §4: VGG-16 after Tools ▸ Convert, run before and after so the outputs are compared too.

    The view is floated before converting: its table sizes its rows for the width it has then.
    """
    window = open_window("vgg16")
    run_now(window)
    dock = float_view(window, "fc", (1056, 620))
    window.explain.convert_action.trigger()
    run_now(window)
    save(dock, path)
    done_with(window)


def explain_fcn(path: Path) -> None:
    """Tour §5: FCN-3 with its input set to 128×128, so its 3 class scores become 3×9×9 score maps."""
    window = open_window("fcn3")
    wait_for_run(window)
    window.doc.push(SetParams("image", {"height": 128, "width": 128}))  # as typed in the Inspector
    wait_for_run(window)
    save(float_view(window, "fcn"), path)
    done_with(window)


def wait_for_gradients(window, view_key: str | None = None) -> None:
    """Until the background gradient pass for the image shown has arrived (and the view shows it)."""
    source = window.inspection.gradients
    view = window.explain.views[view_key] if view_key else None
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        settle(0.1)
        if source.current() is not None and not source.busy and (view is None or view.numbers):
            return
    raise SystemExit("the gradients did not arrive in time")


def explain_backprop(path: Path) -> None:
    """Tour §6: TinyVGG's pool1 in the Backprop tab: one window's gradient sent to its arg-max."""
    window = open_window("tinyvgg")
    wait_for_run(window)
    dock = float_view(window, "backprop", (1056, 620))
    window.reveal("pool1")
    wait_for_gradients(window, "backprop")
    save(dock, path)
    done_with(window)


def panels_gradients(path: Path) -> None:
    """Tour §6: conv1_2's feature maps with Show gradients: each map beside its dL/dy."""
    window = open_window("tinyvgg", (1280, 800))
    wait_for_run(window)
    show_maps(window, "conv1_2", 3)
    window.inspection.feature_maps.gradients.toggle.setChecked(True)
    wait_for_gradients(window)
    save(window, path)
    done_with(window)


class Shot(NamedTuple):
    make: Callable[[Path], None]
    screen: tuple[int, int] = FULL_HD


SHOTS = {
    "main-window": Shot(main_window),
    "panels-tinyvgg": Shot(panels_tinyvgg, (1280, 800)),
    "panels-vgg16": Shot(panels_vgg16),
    "explain-window": Shot(explain_window),
    "explain-breakdown": Shot(explain_breakdown),
    "explain-sharing": Shot(explain_sharing),
    "explain-fc": Shot(explain_fc),
    "explain-fcn": Shot(explain_fcn),
    "explain-backprop": Shot(explain_backprop),
    "panels-gradients": Shot(panels_gradients, (1280, 800)),
}


def screen_size(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def in_other_process(names: list[str], screen: tuple[int, int], out: Path) -> None:
    """Qt picks its screen once per process: images for another screen size are made by a child."""
    command = [sys.executable, __file__, "--screen", f"{screen[0]}x{screen[1]}", "--out", str(out), *names]
    if subprocess.run(command).returncode != 0:
        raise SystemExit(f"making {', '.join(names)} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"images to make (default: all): {', '.join(SHOTS)}")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write to (default: docs/screenshots)")
    parser.add_argument("--screen", type=screen_size, default=FULL_HD, help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in SHOTS]
    if unknown:
        parser.error(f"no image called {', '.join(unknown)}; choose from {', '.join(SHOTS)}")
    names = args.names or list(SHOTS)
    args.out.mkdir(parents=True, exist_ok=True)
    for screen in dict.fromkeys(SHOTS[n].screen for n in names):
        if screen != args.screen:
            in_other_process([n for n in names if SHOTS[n].screen == screen], screen, args.out)
    app = start_app(args.screen)  # noqa: F841 (kept alive while the windows exist)
    for name in names:
        if SHOTS[name].screen == args.screen:
            SHOTS[name].make(args.out / f"{name}.png")


if __name__ == "__main__":
    main()
