"""The wheel installs into a clean environment and works there: templates, schema and icons travel with it.

Builds from a copy of the source tree (so the work tree gets no build/ or egg-info),
installs the wheel with its dependencies into a fresh venv (no system site-packages)
and runs the command line there. Dependencies come from the configured package index.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                              ".hypothesis", ".ruff_cache", "out", "tests", "benchmarks")

pytestmark = pytest.mark.slow


def sh(*cmd, env=None, timeout=400, cwd=None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout,
                            cwd=cwd, check=False)
    command = " ".join(map(str, cmd))
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=SKIP)
    sh(sys.executable, "-m", "pip", "wheel", src, "--no-deps", "--quiet", "-w", tmp / "dist")
    (built,) = (tmp / "dist").glob("convstudio-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    sh(sys.executable, "-m", "venv", env_dir)
    sh(env_dir / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel,
       timeout=900)
    return env_dir


def test_wheel_carries_every_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    resources = ROOT / "resources"  # beside convstudio/ in the repository, convstudio/resources/ in the wheel
    expected = {"convstudio/" + p.relative_to(ROOT).as_posix() for p in resources.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert expected - names == set()
    assert {"convstudio/resources/networks/tinyvgg.json", "convstudio/resources/schema/network-v1.schema.json"} <= names
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_carries_the_guided_tour_as_in_docs(wheel):
    """Help ▸ Guided Tour reads convstudio/resources/tour/, which the build copies from docs/."""
    archive = zipfile.ZipFile(wheel)
    tour = archive.read("convstudio/resources/tour/guided-tour.md")
    assert tour == (ROOT / "docs" / "guided-tour.md").read_bytes()
    for image in re.findall(rb"!\[[^\]]*\]\(([^)]+)\)", tour):
        name = image.decode()
        assert archive.read(f"convstudio/resources/tour/{name}") == (ROOT / "docs" / name).read_bytes()


def test_installed_cli_works_from_a_clean_venv(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = sh(venv / "bin" / "convstudio", "summary", "template:tinyvgg", env=env, cwd=tmp_path)
    assert "Total params: 8,083" in result.stdout
    where = sh(venv / "bin" / "python", "-c", "import convstudio; print(convstudio.__file__)", env=env,
               timeout=60, cwd=tmp_path)
    assert str(venv) in where.stdout  # the installed copy, not the work tree
    tour = sh(venv / "bin" / "python", "-c", "from convstudio.qt.app.help.tour import tour_folder; print(tour_folder())",
              env={**env, "QT_QPA_PLATFORM": "offscreen"}, timeout=120, cwd=tmp_path)
    assert str(venv) in tour.stdout
    found = sh(venv / "bin" / "python", "-c", LOAD_RESOURCES, env=env, timeout=60, cwd=tmp_path)
    assert found.stdout.split() == [str(venv), "ok"]


LOAD_RESOURCES = """
import json
from convstudio.io.resource_dir import resource_dir
from convstudio.io.templates import load_template
folder = resource_dir()
schema = json.loads(resource_dir("schema", "network-v1.schema.json").read_text("utf-8"))
icon = resource_dir("icons", "convstudio.svg").read_text("utf-8")
assert schema["$id"].endswith("network-v1.schema.json") and "<svg" in icon and load_template("vgg16").name
print(str(folder).split("/lib/")[0], "ok")
"""


def test_installed_app_imports_headless(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    sh(venv / "bin" / "python", "-c", "import convstudio.qt.app.main_window", env=env, timeout=120, cwd=tmp_path)
