"""`convstudio --smoke-test OUT.png`: open the default network, run it, save a screenshot, exit.

Used by the desktop bundle's build check; it never opens a dialog and keeps its settings in a
temporary folder so the user's own layout and recent files are untouched.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

TIMEOUT_MS = 170_000


def smoke_test(app: QApplication, out: Path) -> int:
    """0 when the window opened, the default network ran and OUT.png was written; 1 with one line otherwise."""
    os.environ["CONVSTUDIO_SETTINGS"] = str(Path(tempfile.mkdtemp(prefix="convstudio-smoke-")) / "settings.ini")
    from .main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    outcome: list[str] = []
    controller = window.inspection.controller

    def check() -> None:
        if controller.error:
            outcome.append(f"the run failed: {controller.error}")
        elif controller.results is not None and not controller.busy:
            QApplication.processEvents()
            if not window.grab().save(str(out)):
                outcome.append(f"cannot write {out}")
            else:
                outcome.append("")
        else:
            return
        app.quit()

    timer = QTimer(interval=200, timeout=check)
    timer.start()
    QTimer.singleShot(TIMEOUT_MS, lambda: (outcome.append("the run did not finish in time"), app.quit()))
    app.exec()
    controller.shutdown()
    message = outcome[0] if outcome else "the app stopped before the run finished"
    if message:
        print(f"convstudio --smoke-test: {message}", file=sys.stderr)
        return 1
    print(f"convstudio --smoke-test: ran {window.doc.net.name}, wrote {out}")
    return 0
