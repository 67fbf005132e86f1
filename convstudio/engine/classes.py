"""How many classes an output shape gives, and whether a network's labels name that many.

Pure shape arithmetic, so inference (engine.infer) can check labels without the rest of engine.labels.
"""
from __future__ import annotations

Shape = tuple[int, ...]


def classes_of_shape(shape: Shape | None) -> int | None:
    """K for a (K,), (K, 1, 1) or K×H×W output; None for an unknown shape or another rank."""
    if shape is None or len(shape) not in (1, 3):
        return None
    return int(shape[0])


def labels_mismatch(labels: list[str], classes: int | None) -> str | None:
    """Why `labels` do not name `classes` class scores, or None when they fit (or there are no labels)."""
    if not labels or classes is None or len(labels) == classes:
        return None
    return (f"the network names {len(labels)} classes ({_preview(labels)}) but its output gives "
            f"{classes} class score{'s' * (classes != 1)}")


def _preview(labels: list[str], most: int = 4) -> str:
    shown = ", ".join(labels[:most])
    return shown + (", …" if len(labels) > most else "")
