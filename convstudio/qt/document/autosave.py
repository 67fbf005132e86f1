"""Autosave: the open network and its weights, kept in the user's data folder so a crash loses little.

Each running window owns one slot, `<data folder>/autosave/<pid>-<n>/`, holding `network.json`,
`weights.npz` (when the weights are not the ones a plain open recreates) and `info.json`
(what and when), each written atomically, `info.json` last so a slot with it is whole. A write
starts at most `DELAY_S` seconds after the first unsaved change; the JSON text is made on the GUI
thread (cheap) and everything is written on a background thread. A slot goes away when the
document is saved or its changes are deliberately discarded (New, Open, closing without
saving). Slots whose process is gone are what the next start offers to restore.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from shiboken6 import isValid

from ...engine.weights import save_weights
from ...io import dumps
from ...io.atomic import clean_stale_temps, write_atomic

DELAY_S = 10
_counter = itertools.count(1)


def autosave_root() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".convstudio") / "autosave"


@dataclass
class Found:
    """An autosave left by a process that ended without saving or discarding."""

    folder: Path
    name: str
    path: str | None
    layers: int
    weights: bool
    saved_at: dt.datetime

    def describe(self) -> str:
        where = f"from {self.path}" if self.path else "never saved to a file"
        what = f"{self.layers} layer{'s' * (self.layers != 1)}" + (" and its weights" if self.weights else "")
        return f"“{self.name}” ({where}): {what}, autosaved {self.saved_at.strftime('%d %b %Y at %H:%M:%S')}"

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def find_autosaves(root: Path | None = None) -> list[Found]:
    """Whole autosaves of processes that are gone, newest first; broken slots are removed."""
    root = root or autosave_root()
    found = []
    for folder in sorted(root.glob("*-*")) if root.is_dir() else []:
        pid = folder.name.split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            info = json.loads((folder / "info.json").read_text("utf-8"))
            found.append(Found(folder, str(info["name"]), info.get("path"), int(info["layers"]),
                               bool(info["weights"]), dt.datetime.fromisoformat(info["saved_at"])))
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(folder, ignore_errors=True)  # killed before its first write finished
    return sorted(found, key=lambda f: f.saved_at, reverse=True)


def write_slot(folder: Path, network_text: str, weights, info: dict) -> None:
    """Write one autosave (runs on the background thread)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("network.json", "weights.npz", "info.json"):
        clean_stale_temps(folder / name)
    write_atomic(folder / "network.json", network_text.encode("utf-8"))
    if weights:
        save_weights(folder / "weights.npz", weights)
    else:
        (folder / "weights.npz").unlink(missing_ok=True)
    write_atomic(folder / "info.json", json.dumps(info, ensure_ascii=False).encode("utf-8"))


class Autosaver(QObject):
    """Follows one Document: writes its slot after changes, removes it when the work is saved or discarded."""

    def __init__(self, doc, parent=None, delay_s: float = DELAY_S, root: Path | None = None):
        super().__init__(parent)
        self.doc = doc
        self.folder = (root or autosave_root()) / f"{os.getpid()}-{next(_counter)}"
        self.writes = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._last = None
        self._closed = False
        self._timer = QTimer(self, singleShot=True, interval=int(delay_s * 1000))
        self._timer.timeout.connect(self.write_now)
        doc.stack.indexChanged.connect(self._changed)
        doc.stack.cleanChanged.connect(self._changed)
        doc.weights_replaced.connect(self._changed)
        doc.saved.connect(lambda _path: self.discard())

    def _changed(self, *_args) -> None:
        if self._closed or not isValid(self.doc.stack):
            return  # the window is being torn down
        if not self.doc.modified:
            self.discard()
        elif not self._timer.isActive():
            self._timer.start()  # not restarted by later changes: at most `delay` after the first

    def write_now(self):
        """Queue a write of the document as it is now; returns the Future (tests wait on it)."""
        self._timer.stop()
        if self._closed or not self.doc.modified:
            return None
        net, book = self.doc.net, self.doc.weight_book
        weights = None if book.pristine else book.snapshot()
        info = {"name": net.name, "path": str(self.doc.path) if self.doc.path else None, "layers": len(net),
                "weights": bool(weights), "pending_weights": book.pending_file,
                "saved_at": dt.datetime.now().isoformat(timespec="seconds")}
        self.writes += 1
        self._last = self._pool.submit(write_slot, self.folder, dumps(net), weights, info)
        return self._last

    def discard(self):
        """Remove this window's autosave (after the queued writes); returns the Future."""
        self._timer.stop()
        if self._closed:
            return None
        self._last = self._pool.submit(shutil.rmtree, self.folder, True)
        return self._last

    def wait(self, timeout: float = 30) -> None:
        if self._last is not None:
            self._last.result(timeout)

    def shutdown(self) -> None:
        """Finish the queued writes; later changes are not autosaved (the window is closing)."""
        self._closed = True
        self._timer.stop()
        self._pool.shutdown(wait=True)


def read_weights(found: Found):
    """The autosaved arrays, or None when the weights were the plain ones."""
    from ...engine.weights import load_weights

    path = found.folder / "weights.npz"
    return load_weights(path) if found.weights and path.exists() else None


def restore_into(doc, found: Found) -> None:
    """Replace `doc` with the autosaved network and weights; it stays modified until saved."""
    from ...io import load_network

    net = load_network(found.folder / "network.json")
    arrays = read_weights(found)
    info = json.loads((found.folder / "info.json").read_text("utf-8"))
    doc.replace(net, found.path)
    book = doc.weight_book
    if arrays is not None:
        book.restore(book.replaced(arrays, "restored from the autosave"))
        book.pending_file = None
    elif info.get("pending_weights"):
        book.pending_file = info["pending_weights"]
    doc.weights_replaced.emit()
    doc.stack.resetClean()
    found.discard()

