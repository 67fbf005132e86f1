"""Paths: JSON paths written the way error messages show them (layers[3].params.stride[0]),
and the files a network file may point to."""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Iterable

from ..errors import FormatError
from ..wording import a

KEY_LIMIT = 40  # a longer key is cut: a message stays short whatever the file holds
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(parts: Iterable) -> str:
    """Keys that are not plain names are quoted (`params["\\n"]`) so a message stays one line; long keys are cut."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _NAME.fullmatch(part) or len(part) > KEY_LIMIT:
            key = json.dumps(part, ensure_ascii=False)
            text += f"[{key if len(key) <= KEY_LIMIT else key[:KEY_LIMIT - 4] + '...' + key[-1]}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def check_regular_file(path: str | os.PathLike, what: str = "weights file") -> None:
    """FormatError unless `path` is an existing regular file (not a folder, device or pipe,
    which could block or never end)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except OSError as e:
        raise FormatError(f"{path}: cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, pipe or socket)"
        raise FormatError(f"{path}: is {kind}, not {a(what)}")


def weights_beside(network_path: str | os.PathLike, name: str) -> Path:
    """The weights file a network names, which must be a regular file beside the network file
    or in a folder below it: a shared network must not make ConvStudio read anything else."""
    shown = json.dumps(name if len(name) <= 60 else name[:57] + "...", ensure_ascii=False)
    if not name or os.path.isabs(name) or Path(name).drive:
        raise FormatError(f"weights: {shown} must be a file name relative to the network's folder, "
                          "not an absolute path")
    folder = Path(network_path).resolve().parent
    path = folder / name
    if not path.resolve().is_relative_to(folder):
        raise FormatError(f"weights: {shown} leads outside the network's folder ({folder}); "
                          "keep the weights beside the network or in a folder below it")
    check_regular_file(path)
    return path
