"""Connection curves keep clear of the cards they join, also when the target sits higher than the source."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF

from convstudio.qt.canvas.edge_item import curve
from convstudio.qt.canvas.node_item import HEIGHT, WIDTH


def card(x: float, y: float) -> QRectF:
    return QRectF(x, y, WIDTH, HEIGHT)


def crossings(src: QRectF, dst: QRectF) -> list[tuple[float, float]]:
    """Points of the curve from src's bottom port to dst's top port that lie inside either card."""
    path = curve(QPointF(src.center().x(), src.bottom()), QPointF(dst.center().x(), dst.top()))
    inside = []
    for i in range(3, 98):  # the ends touch the ports by design
        p = path.pointAtPercent(i / 100)
        if src.adjusted(1, 1, -1, -1).contains(p) or dst.adjusted(1, 1, -1, -1).contains(p):
            inside.append((round(p.x()), round(p.y())))
    return inside


@pytest.mark.parametrize("dst_at", [(0, -300), (40, -120), (-60, -90), (230, -62), (-230, 0), (300, 0), (0, 200),
                                    (150, 100), (-400, -500)])
def test_curve_never_runs_under_a_card(dst_at):
    src = card(0, 0)
    assert crossings(src, card(*dst_at)) == []


def test_a_climbing_edge_ends_pointing_down_into_the_port():
    path = curve(QPointF(0, 300), QPointF(0, 0))
    end, before = path.pointAtPercent(1.0), path.pointAtPercent(0.98)
    assert end.y() > before.y()
