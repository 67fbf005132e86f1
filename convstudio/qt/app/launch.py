"""`run_app(argv)`: the QApplication, the main window and the event loop."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pyqtgraph.util.garbage_collector import GarbageCollector

from ..messages import install_excepthook
from .settings import APPLICATION, ORGANIZATION


def collect_garbage_in_event_loop(app: QApplication) -> None:
    """Run Python's cycle collector from a timer in the event loop, never inside an allocation.

    Left automatic, it can start inside Qt code that holds the signal lock (a disconnect) and
    delete a widget there, which locks the same mutex again: the window hangs for good. From a
    worker thread it would delete widgets off the GUI thread. pyqtgraph's collector disables the
    automatic one and collects on the GUI thread once a second.
    """
    if getattr(app, "_garbage_collector", None) is None:
        app._garbage_collector = GarbageCollector(interval=1.0)


def run_app(argv: list[str]) -> int:
    """Open the window with the default network, or with the file named in `argv`."""
    app = QApplication.instance() or QApplication([sys.argv[0]] + list(argv))
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    install_excepthook()
    collect_garbage_in_event_loop(app)
    if "--smoke-test" in argv:
        from .smoke_test import smoke_test

        at = argv.index("--smoke-test")
        if at + 1 >= len(argv):
            print("convstudio --smoke-test: give the PNG file to write", file=sys.stderr)
            return 2
        return smoke_test(app, Path(argv[at + 1]))
    from .main_window import MainWindow

    window = MainWindow()
    window.showMaximized() if window.start_maximized else window.show()
    paths = [a for a in argv if not a.startswith("-")]
    if not window.offer_restore() and paths:
        if paths[0].startswith("template:"):
            window.files.new_from_template(paths[0].split(":", 1)[1])
        else:
            window.files.load(paths[0])
    return app.exec()
