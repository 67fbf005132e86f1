"""The Qt binding must not leak references to None (PySide6 6.12.0 on CPython 3.11 does)."""
import sys

from PySide6.QtCore import QPointF


def test_void_calls_keep_none_alive():
    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(5000):
        point.setX(1.0)
    assert sys.getrefcount(None) - before > -100
