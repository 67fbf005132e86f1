"""Atomic file writes: a crash or a full disk never leaves half a file behind.

The temporary file is `.NAME.XXXXXXXX.tmp` beside the target, locked (flock) while it is
written. A process killed mid-write leaves it behind unlocked; `clean_stale_temps` removes
such leftovers, and every write does so first. A temporary file another process is still
writing stays locked and is left alone.
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; only leftovers older than an hour are removed there
    fcntl = None

STALE_AGE_S = 3600
FRESH_S = 2  # a file this new may belong to a writer that has not locked it yet


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    target = Path(path)
    clean_stale_temps(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as e:  # name the file the caller asked for, not the temporary one
        raise type(e)(e.errno, e.strerror, str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            if target.exists():
                os.chmod(tmp, target.stat().st_mode & 0o777)
            else:
                os.chmod(tmp, 0o644)
            os.replace(tmp, target)  # while still locked: nobody may take it for a leftover
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_stale_temps(path: str | os.PathLike) -> list[Path]:
    """Remove `.NAME.*.tmp` files that an interrupted write of `path` left beside it; returns them."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[A-Za-z0-9_]+\.tmp")
    removed = []
    try:
        names = [p for p in folder.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for leftover in names:
        if _abandoned(leftover):
            try:
                leftover.unlink()
                removed.append(leftover)
            except OSError:
                pass
    return removed


def _abandoned(tmp: Path) -> bool:
    try:
        if not tmp.is_file() or tmp.is_symlink():
            return False
        age = time.time() - tmp.stat().st_mtime
        if fcntl is None or age < FRESH_S:
            return age > STALE_AGE_S
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True  # nobody holds it: its writer is gone
    except OSError:
        return False
    finally:
        os.close(fd)
