"""Layered top-to-bottom layout: inputs at the top, each layer below everything it reads."""
from __future__ import annotations

from .network import Network

ROW = 110.0
COLUMN = 230.0


def layered_positions(net: Network) -> dict[str, tuple[float, float]]:
    """Positions for every node: row = longest path from an input, columns ordered by parents."""
    order, cyclic = net.topological_order()
    depth: dict[str, int] = {}
    for nid in order:
        srcs = [s for s in net.node(nid).inputs if s in depth]
        depth[nid] = 1 + max((depth[s] for s in srcs), default=-1)
    bottom = max(depth.values(), default=-1) + 1
    for nid in cyclic:
        depth[nid] = bottom
    rows: dict[int, list[str]] = {}
    for nid in order + cyclic:
        rows.setdefault(depth[nid], []).append(nid)
    x: dict[str, float] = {}
    for level in sorted(rows):
        _place_row(net, rows[level], x)
    return {nid: (x[nid], depth[nid] * ROW) for nid in x}


def _place_row(net: Network, ids: list[str], x: dict[str, float]) -> None:
    """Put each node near the mean column of its parents, keeping one column between neighbours."""
    def wish(nid: str) -> float:
        xs = [x[s] for s in net.node(nid).inputs if s in x]
        return sum(xs) / len(xs) if xs else 0.0

    ids = sorted(ids, key=wish)
    wanted = [wish(i) for i in ids]
    placed: list[float] = []
    for w in wanted:
        placed.append(w if not placed else max(w, placed[-1] + COLUMN))
    shift = (sum(placed) - sum(wanted)) / len(placed) if placed else 0.0
    for nid, px in zip(ids, placed):
        x[nid] = px - shift
