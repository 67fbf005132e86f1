"""JSON paths written the way error messages show them: layers[3].params.stride[0]."""
from __future__ import annotations

import json
import re
from typing import Iterable

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(parts: Iterable) -> str:
    """Keys that are not plain names are quoted (`params["\\n"]`) so a message stays one line."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _NAME.fullmatch(part):
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"
