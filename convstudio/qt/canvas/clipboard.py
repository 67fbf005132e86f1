"""Copy and paste of layers as a JSON fragment: the selected nodes with the edges among them.

The fragment is plain JSON on the system clipboard (also as text), so layers can be
pasted into another document or another ConvStudio window. Pasting gives every layer a
fresh id and offsets it, and is one undo step.
"""
from __future__ import annotations

import json
import re

from PySide6.QtGui import QGuiApplication
from PySide6.QtCore import QMimeData

from ...errors import GraphError
from ...graph import AddNode, Macro, Network, id_prefix
from ...layers import get
from .mime import FRAGMENT_MIME

FORMAT = "convstudio.fragment"
CARD = (200.0, 70.0)  # a card's footprint with a little air, for finding a free place to paste


def fragment(net: Network, ids) -> dict:
    """The chosen layers in run order, keeping only inputs that are also chosen."""
    chosen = set(ids)
    order, cyclic = net.topological_order()
    entries = []
    for nid in order + cyclic:
        if nid in chosen:
            node = net.node(nid)
            entries.append({"id": nid, "type": node.type, "params": node.params,
                            "inputs": [s for s in node.inputs if s in chosen],
                            "position": list(node.position)})
    return {"format": FORMAT, "layers": entries}


def free_offset(net: Network, frag: dict, step: float, first: int = 1) -> tuple[float, float]:
    """The first shift (k·step, 0), k ≥ `first`, at which no pasted card lands on an existing one."""
    taken = [n.position for n in net]
    spots = [tuple(e.get("position", (0, 0))) for e in _entries(frag)]
    k = first
    while k < first + 200:
        dx = k * step
        if not any(abs(x + dx - tx) < CARD[0] and abs(y - ty) < CARD[1] for x, y in spots for tx, ty in taken):
            return dx, 0.0
        k += 1
    return k * step, 0.0


def paste_command(net: Network, frag: dict, offset: tuple[float, float]) -> tuple[Macro, list[str]]:
    """One Macro adding the fragment's layers under fresh ids; returns it with the new ids."""
    entries = _entries(frag)
    used = set(net.ids())
    fresh: dict[str, str] = {}
    for entry in entries:
        fresh[entry["id"]] = _free_id(entry, used)
        used.add(fresh[entry["id"]])
    commands = []
    for entry in entries:
        x, y = entry.get("position", (0, 0))
        inputs = [fresh[s] for s in entry.get("inputs", []) if s in fresh]
        commands.append(AddNode(entry["type"], entry.get("params"), (x + offset[0], y + offset[1]),
                                node_id=fresh[entry["id"]], inputs=inputs))
    text = f"Paste {len(entries)} layer{'s' if len(entries) != 1 else ''}"
    return Macro(text, commands), list(fresh.values())


def _entries(frag) -> list[dict]:
    if not isinstance(frag, dict) or frag.get("format") != FORMAT or not isinstance(frag.get("layers"), list):
        raise GraphError("the clipboard holds no ConvStudio layers")
    for entry in frag["layers"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("type"), str)):
            raise GraphError("the clipboard's layers are damaged (each needs an id and a type)")
    return frag["layers"]


def _free_id(entry: dict, used: set[str]) -> str:
    """`conv3` → first free `convN`; types keep their readable stems."""
    stem = re.sub(r"\d+$", "", entry["id"]) or _type_stem(entry["type"])
    if not re.match(r"^[A-Za-z_]", stem):
        stem = _type_stem(entry["type"])
    k = 1
    while f"{stem}{k}" in used:
        k += 1
    return f"{stem}{k}"


def _type_stem(type_name: str) -> str:
    try:
        return id_prefix(get(type_name))
    except KeyError:
        return "layer"


# -- the system clipboard ------------------------------------------------------------------------
def put(frag: dict) -> None:
    text = json.dumps(frag, ensure_ascii=False, indent=1)
    mime = QMimeData()
    mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
    mime.setText(text)
    QGuiApplication.clipboard().setMimeData(mime)


def take() -> dict | None:
    """The fragment on the clipboard, from our MIME type or from pasted JSON text; None if absent."""
    mime = QGuiApplication.clipboard().mimeData()
    if mime is None:
        return None
    if mime.hasFormat(FRAGMENT_MIME):
        raw = bytes(mime.data(FRAGMENT_MIME).data()).decode("utf-8", "replace")
    elif mime.hasText():
        raw = mime.text()
    else:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
