"""The dependency rules of DESIGN.md, read from the source with `ast` (nothing is imported).

Only convstudio/qt/ may use Qt; nothing imports convstudio.qt except the command line's lazy
`gui_main`; the graph (the network as data) never touches NumPy; the layer catalogue depends on
no other part of the program.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "convstudio"
QT_LIBRARIES = ("PySide6", "shiboken6", "pyqtgraph", "PyQt4", "PyQt5", "PyQt6", "sip")


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository, for messages
    module: str  # absolute dotted name
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            rel = str(path.relative_to(PACKAGE.parent))
            if isinstance(child, ast.Import):
                found.extend(Import(rel, a.name, child.lineno, inside) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.append(Import(rel, target, child.lineno, inside))
                if child.module is None or child.level:
                    # `from .. import layers` imports the submodule convstudio.layers
                    found.extend(Import(rel, f"{target}.{a.name}", child.lineno, inside) for a in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


def modules(under: str = "") -> list[Path]:
    root = PACKAGE / under if under else PACKAGE
    return sorted(p for p in root.rglob("*.py") if "qt" not in p.relative_to(PACKAGE).parts[:1])


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_walk_sees_the_core():
    names = {module_name(p) for p in modules()}
    assert {"convstudio.layers.conv", "convstudio.graph.commands", "convstudio.io.network_json",
            "convstudio.engine.infer", "convstudio.cli"} <= names
    assert not any(is_within(n, "convstudio.qt") for n in names)


def test_relative_imports_are_resolved():
    found = {i.module for i in imports_of(PACKAGE / "graph" / "node.py")}
    assert {"convstudio.layers", "convstudio.errors", "convstudio.layers.params"} <= found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_qt_outside_the_qt_package(path):
    bad = [f"{i.file}:{i.line} imports {i.module}" for i in imports_of(path)
           if any(is_within(i.module, lib) for lib in QT_LIBRARIES) or i.module.startswith("PyQt")]
    assert bad == []


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_imports_the_qt_package(path):
    """Only a function in convstudio/cli/ may import convstudio.qt, and only when it runs."""
    allowed_lazily = is_within(module_name(path), "convstudio.cli")
    bad = [f"{i.file}:{i.line} imports {i.module}" for i in imports_of(path)
           if is_within(i.module, "convstudio.qt") and not (allowed_lazily and i.in_function)]
    assert bad == []


@pytest.mark.parametrize("path", modules("graph"), ids=lambda p: p.name)
def test_graph_uses_no_numpy(path):
    bad = [f"{i.file}:{i.line} imports {i.module}" for i in imports_of(path) if is_within(i.module, "numpy")]
    assert bad == []


@pytest.mark.parametrize("path", modules("graph"), ids=lambda p: p.name)
def test_graph_depends_only_on_layers(path):
    others = ("convstudio.io", "convstudio.engine", "convstudio.cli", "convstudio.kernels")
    bad = [f"{i.file}:{i.line} imports {i.module}" for i in imports_of(path) if any(is_within(i.module, o) for o in others)]
    assert bad == []


@pytest.mark.parametrize("path", modules("layers"), ids=lambda p: p.name)
def test_layers_do_not_depend_on_the_rest(path):
    others = ("convstudio.graph", "convstudio.io", "convstudio.engine", "convstudio.cli")
    bad = [f"{i.file}:{i.line} imports {i.module}" for i in imports_of(path) if any(is_within(i.module, o) for o in others)]
    assert bad == []


def test_the_lazy_gui_import_is_seen_as_lazy():
    lazy = [i for i in imports_of(PACKAGE / "cli" / "__init__.py") if is_within(i.module, "convstudio.qt")]
    assert lazy and all(i.in_function for i in lazy)
