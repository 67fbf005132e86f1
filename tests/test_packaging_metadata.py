"""The desktop entry and the AppStream metainfo pass their validators (skipped where the tools are missing)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parent.parent / "packaging"


def validate(*command: str) -> subprocess.CompletedProcess:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_desktop_entry_is_valid():
    done = validate("desktop-file-validate", str(PACKAGING / "convstudio.desktop"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_appstream_metainfo_is_valid():
    done = validate("appstreamcli", "validate", "--no-net", str(PACKAGING / "io.github.convstudio.ConvStudio.metainfo.xml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "E:" not in done.stdout and "W:" not in done.stdout, done.stdout
