"""Nothing outside convstudio/qt imports PySide6, shiboken6 or pyqtgraph (design rule)."""
from __future__ import annotations

import ast
from pathlib import Path

import convstudio

GUI = ("PySide6", "shiboken6", "pyqtgraph")


def test_only_the_qt_package_imports_gui_libraries():
    root = Path(convstudio.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "qt" in path.relative_to(root).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in GUI]
    assert offenders == []


def test_nothing_imports_the_qt_package():
    root = Path(convstudio.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] == "qt" or rel == Path("cli/__init__.py"):  # the CLI launches the app lazily
            continue
        text = path.read_text(encoding="utf-8")
        if "convstudio.qt" in text or "from ..qt" in text or "from .qt" in text:
            offenders.append(str(rel))
    assert offenders == []
