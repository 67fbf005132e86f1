"""The bundled template networks (resources/networks/*.json)."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import FormatError
from ..graph import Network
from .network_json import load_network, loads
from .resource_dir import resource_dir

DEFAULT = "tinyvgg"


def _folder():
    return resource_dir("networks")


def template_names() -> list[str]:
    return sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".json"))


def template_titles() -> list[tuple[str, str, str]]:
    """(name, title, description) per template, for menus: titles like "VGG-16" read better than file ids."""
    rows = []
    for name in template_names():
        try:
            doc = json.loads((_folder() / f"{name}.json").read_bytes())
            rows.append((name, str(doc.get("name") or name), str(doc.get("description", ""))))
        except (OSError, ValueError):
            rows.append((name, name, ""))
    return rows


def load_template(name: str) -> Network:
    """A fresh copy of a bundled network; FormatError lists the known names."""
    entry = _folder() / f"{name}.json"
    if not entry.is_file():
        raise FormatError(f"no template {name!r}; templates: {', '.join(template_names())}")
    return loads(entry.read_bytes())


def template_path(name: str) -> Path:
    """The bundled file of a template, so that the weights file it names can be found beside it."""
    return Path(str(_folder() / f"{name}.json"))


def source_path(source: str) -> Path:
    """The file behind a path or `template:NAME`: what a network's `weights` name is relative to."""
    return template_path(source.split(":", 1)[1]) if source.startswith("template:") else Path(source)


def open_source(source: str) -> Network:
    """A network from a file path or `template:NAME`."""
    if source.startswith("template:"):
        return load_template(source.split(":", 1)[1])
    return load_network(Path(source))
