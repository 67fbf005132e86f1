"""JSON paths written the way error messages show them: layers[3].params.stride[0]."""
from __future__ import annotations

import json
import re
from typing import Iterable

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
