"""Colour-bar labels of the score maps: readable and telling apart values that differ in the sixth digit."""
from __future__ import annotations

import pytest

from convstudio.qt.explain.scores.score_plots import distinct_ticks


@pytest.mark.parametrize("lo, hi", [(0.0010001, 0.0010012), (0.327, 0.329), (-3.0, 12.0), (0.0, 1.0), (1e-9, 3e-9)])
def test_labels_are_distinct_and_where_they_sit(lo, hi):
    ticks = distinct_ticks(lo, hi)
    assert len({label for _, label in ticks}) == 3
    for value, label in ticks:
        assert lo < value < hi and abs(float(label) - value) <= 0.01 * (hi - lo)


def test_labels_are_short_when_the_range_allows():
    assert [label for _, label in distinct_ticks(0.0, 1.0)] == ["0.1", "0.5", "0.9"]
