"""Which part of a large grid to draw: a readable crop that follows the window.

A 226×226 padded input cannot be drawn at a readable cell size, so the view shows the
rows and columns around the current window and says which ones they are.
"""
from __future__ import annotations

MIN_CELL = 12.0   # below this, hatching and grid lines blur together: crop instead
MAX_CELL = 44.0   # above this, small grids look like a spreadsheet


def visible_range(n: int, focus: tuple[int, int], capacity: int) -> tuple[int, int]:
    """(start, stop) of at most `capacity` of n indices, keeping [focus[0], focus[1]] in view and centred."""
    capacity = max(1, capacity)
    if n <= capacity:
        return 0, n
    lo, hi = focus
    mid = (lo + hi) / 2
    start = round(mid - capacity / 2 + 0.5)
    start = max(0, min(start, n - capacity))
    return start, start + capacity


def cell_size(space: float, n: int) -> tuple[float, int]:
    """(cell size, how many cells fit) for `n` cells in `space` pixels."""
    if n <= 0 or space <= 0:
        return MIN_CELL, 0
    cell = min(MAX_CELL, space / n)
    if cell >= MIN_CELL:
        return cell, n
    return MIN_CELL, max(1, int(space / MIN_CELL + 1e-6))
