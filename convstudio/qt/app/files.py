"""New, open, save and the unsaved-changes question, with their dialogs and recent files.

A file that fails to load is reported with the loader's one-line message and the
current document is left exactly as it was.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from ...errors import ConvStudioError
from ...graph import Network, SetMeta
from ...io.templates import load_template, template_path
from . import dialogs, settings as app_settings
from ..document.document import UNTITLED, Document, starter_network
from ..messages import notify


class FileFlows(QObject):
    recent_changed = Signal()

    def __init__(self, parent: QWidget, doc: Document, settings: QSettings,
                 after_open: Callable[[], None] = lambda: None):
        super().__init__(parent)
        self.window, self.doc, self.settings, self.after_open = parent, doc, settings, after_open

    # -- leaving the current document ---------------------------------------------------------------
    def confirm_discard(self) -> bool:
        """True when the current document may be replaced (saved, discarded or unchanged)."""
        if not self.doc.modified:
            return True
        answer = dialogs.ask_save_changes(self.window, self.doc.short_name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    # -- new / open --------------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.confirm_discard():
            return False
        self._adopt(starter_network(), None)
        notify("New network: drag layers from the palette onto the canvas.")
        return True

    def new_from_template(self, name: str) -> bool:
        if not self.confirm_discard():
            return False
        try:
            net = load_template(name)
        except ConvStudioError as exc:
            dialogs.show_error(self.window, "Cannot open template", str(exc))
            return False
        self._adopt(net, None, template_path(name))
        notify(f"New network from the {net.name} template.")
        return True

    def open(self, path: str | None = None) -> bool:
        if not self.confirm_discard():
            return False
        if path is None:
            path = dialogs.open_path(self.window, self._folder())
            if not path:
                return False
        return self.load(path)

    def load(self, path: str) -> bool:
        """Open `path` without asking about unsaved changes (callers already did)."""
        try:
            self.doc.load(path)
        except ConvStudioError as exc:
            dialogs.show_error(self.window, "Cannot open network", str(exc))
            return False
        self._remember(str(Path(path).resolve()))
        self.after_open()
        notify(f"Opened {Path(path).name}: {len(self.doc.net)} layers.")
        return True

    def _adopt(self, net: Network, path, weights_from=None) -> None:
        self.doc.replace(net, path, weights_from)
        self.after_open()

    # -- save --------------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._write(self.doc.path)

    def save_as(self) -> bool:
        suggestion = str(self.doc.path or Path(self._folder()) / f"{_file_stem(self.doc.net.name)}.json")
        path = dialogs.save_path(self.window, suggestion)
        if not path:
            return False
        if self.doc.net.name.strip() in ("", UNTITLED):
            self.doc.push(SetMeta(name=Path(path).stem))  # a network named after its file, not "Untitled"
        return self._write(Path(path))

    def _folder(self) -> str:
        """Where file dialogs start: the folder used last, else the open file's, else the home folder."""
        return app_settings.last_folder(self.settings) or (str(self.doc.path.parent) if self.doc.path
                                                            else str(Path.home()))

    def export_json(self) -> bool:
        """Write a copy; the document keeps its own file and modified state."""
        suggestion = str(Path(self._folder()) / f"{_file_stem(self.doc.net.name)}-export.json")
        path = dialogs.save_path(self.window, suggestion, "Export JSON")
        if not path:
            return False
        try:
            self.doc.export(path)
        except (ConvStudioError, OSError) as exc:
            dialogs.show_error(self.window, "Cannot export", _reason(exc, path))
            return False
        notify(f"Exported {Path(path).name}.")
        return True

    def _write(self, path: Path) -> bool:
        try:
            self.doc.save(path)
        except (ConvStudioError, OSError) as exc:
            dialogs.show_error(self.window, "Cannot save", _reason(exc, path))
            return False
        self._remember(str(path.resolve()))
        notify(f"Saved {path.name}.")
        return True

    # -- recent files --------------------------------------------------------------------------------
    def recent(self) -> list[str]:
        return app_settings.recent_files(self.settings)

    def open_recent(self, path: str) -> bool:
        if not Path(path).exists():
            app_settings.forget_file(self.settings, path)
            self.recent_changed.emit()
            notify(f"{path} no longer exists; removed it from Open Recent.", "error")
            return False
        return self.open(path)

    def clear_recent(self) -> None:
        self.settings.setValue("recentFiles", [])
        self.recent_changed.emit()

    def _remember(self, path: str) -> None:
        app_settings.remember_file(self.settings, path)
        self.recent_changed.emit()


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip().lower()).strip("-")
    return stem or "network"


def _reason(exc: Exception, path) -> str:
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    return str(exc)
