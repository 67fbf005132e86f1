"""Initial weights are drawn in chunks: the same numbers as one draw, in float32 from the start."""
from __future__ import annotations

import numpy as np

from convstudio.layers import base


def test_chunked_draw_gives_the_numbers_of_a_single_draw(monkeypatch):
    monkeypatch.setattr(base, "DRAW_CHUNK", 1000)
    drawn = base.uniform_fan_in(np.random.default_rng(5), {"weight": (7, 3, 11, 13), "bias": (7,)}, 99)
    whole = np.random.default_rng(5)
    bound = 1 / np.sqrt(99)
    expected = {name: whole.uniform(-bound, bound, size=shape).astype(np.float32)
                for name, shape in (("weight", (7, 3, 11, 13)), ("bias", (7,)))}
    for name, values in expected.items():
        assert drawn[name].dtype == np.float32 and drawn[name].shape == values.shape
        np.testing.assert_array_equal(drawn[name], values)
