import ast
import re
from pathlib import Path

import convstudio
from convstudio.wording import a, counted

PACKAGE = Path(convstudio.__file__).parent


def test_articles_follow_the_sound():
    assert [a(w) for w in ("Input", "Add", "AvgPool2D", "Upsample2D", "Conv2D", "ReLU", "Dense")] == \
        ["an Input", "an Add", "an AvgPool2D", "an Upsample2D", "a Conv2D", "a ReLU", "a Dense"]
    assert [a(w) for w in ("8×8", "11-class", "18×18", "80-unit", "110-class", "1-class", "3×224×224", "11000")] == \
        ["an 8×8", "an 11-class", "an 18×18", "an 80-unit", "a 110-class", "a 1-class", "a 3×224×224", "an 11000"]


def test_counts_are_singular_for_one():
    assert counted(1, "layer") == "1 layer"
    assert counted(2, "layer") == "2 layers"
    assert counted(0, "warning") == "0 warnings"
    assert counted(1024, "position") == "1,024 positions"
    assert counted(2, "matrix", "matrices") == "2 matrices"


def _messages(package: Path):
    """(file, line, f-string or string node) of every string in `package` that is not a docstring."""
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(node.body[0].value) for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Constant, ast.JoinedStr)) and id(node) not in docs:
                yield path.relative_to(PACKAGE), node.lineno, node


def test_messages_use_the_article_and_plural_helpers():
    """"a {node.type}" gives "a Input" and "{n} position(s)" reads as a form: both go through `a` and `counted`."""
    fixed_article, hedged_plural = [], []
    for where, line, node in _messages(PACKAGE):
        if isinstance(node, ast.JoinedStr):
            for part, after in zip(node.values, node.values[1:]):
                if (isinstance(part, ast.Constant) and isinstance(after, ast.FormattedValue)
                        and re.search(r"(^|[\s(])an? $", str(part.value)) and where.name != "wording.py"):
                    fixed_article.append(f"{where}:{line}")
        elif isinstance(node.value, str) and re.search(r"[a-z]\(s\)", node.value) and where.parts[0] != "interop":
            hedged_plural.append(f"{where}:{line}")  # interop writes Python source, where str(s) is code
    assert fixed_article == []
    assert hedged_plural == []
