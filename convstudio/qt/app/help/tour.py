"""Help ▸ Guided Tour: docs/guided-tour.md shown inside the app, screenshots included.

The tour has one copy, docs/guided-tour.md. A built wheel or bundle carries it in
convstudio/resources/tour/ (see setup.py); a checkout or an editable install reads docs/ directly.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from ....errors import ConvStudioError

TOUR_FILE = "guided-tour.md"


def tour_folder() -> Path:
    """The folder holding guided-tour.md and its screenshots/, installed copy first."""
    installed = Path(str(resources.files("convstudio") / "resources" / "tour"))
    checkout = Path(__file__).resolve().parents[4] / "docs"
    for folder in (installed, checkout):
        if (folder / TOUR_FILE).is_file():
            return folder
    raise ConvStudioError("the guided tour is not part of this installation (docs/guided-tour.md is missing)")


class TourWindow(QDialog):
    """A non-modal reader: the tour can stay open beside the canvas while the learner follows it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("guided-tour")
        self.setWindowTitle("Guided Tour — ConvStudio")
        self.setWindowFlag(Qt.WindowType.Window)
        folder = tour_folder()
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(folder)])  # resolves screenshots/… relative to the tour
        self.browser.setMarkdown((folder / TOUR_FILE).read_text(encoding="utf-8"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.resize(900, 760)
