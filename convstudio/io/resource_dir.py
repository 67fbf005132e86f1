"""Where the bundled files are: templates (networks/), the JSON schema (schema/) and icons (icons/).

They live in resources/ beside convstudio/ in the repository. A wheel installs them as
convstudio/resources/ (setup.py maps the folder there), where importlib.resources finds them;
a checkout or an editable install reads resources/ directly.
"""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2] / "resources"


def resource_dir(*parts: str) -> Traversable:
    """The installed copy when there is one, else the repository's resources/ folder."""
    installed = resources.files("convstudio") / "resources"
    folder = installed if installed.is_dir() else CHECKOUT
    for part in parts:
        folder = folder / part
    return folder
