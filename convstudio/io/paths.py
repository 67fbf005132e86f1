"""JSON paths written the way error messages show them: layers[3].params.stride[0]."""
from __future__ import annotations

from typing import Iterable


def json_path(parts: Iterable) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"
