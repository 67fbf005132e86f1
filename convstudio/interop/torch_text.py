"""How PyTorch code is written: `3` for [3, 3], keyword arguments only when not the default."""
from __future__ import annotations


def one(v) -> str:
    """`3` for [3, 3], `(3, 5)` otherwise: the way people write PyTorch."""
    return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"


def kwargs(pairs: list[tuple[str, object, object]]) -> str:
    """`, name=value` for every (name, value, default) whose value is not the default."""
    return "".join(f", {k}={v}" for k, v, d in pairs if v != d)
