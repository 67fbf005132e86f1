"""Pooling and batch normalisation against the loop references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convstudio.kernels import avg_pool2d, batch_norm2d, global_avg_pool2d, max_pool2d
from tests.kernels import naive_kernels as naive


@st.composite
def pool_configs(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    h = max(1, kernel[0] - 2 * padding[0]) + draw(st.integers(0, 6))
    w = max(1, kernel[1] - 2 * padding[1]) + draw(st.integers(0, 6))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w), kernel=kernel,
                stride=stride, padding=padding, seed=draw(st.integers(0, 2**16)))


@settings(max_examples=50, deadline=None)
@given(pool_configs(), st.sampled_from(["max", "avg"]))
def test_pools_match_loops(cfg, mode):
    x = np.random.default_rng(cfg["seed"]).standard_normal(cfg["shape"]).astype(np.float32)
    before = x.copy()
    kernel = max_pool2d if mode == "max" else avg_pool2d
    out = kernel(x, cfg["kernel"], cfg["stride"], cfg["padding"])
    expected = naive.pool2d(x, cfg["kernel"], cfg["stride"], cfg["padding"], mode)
    assert out.dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 1, 2, 2), np.float32) * 5
    assert (max_pool2d(x, 3, 1, 1) == -5).all()


def test_stride_defaults_to_kernel():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(max_pool2d(x, 2)[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(avg_pool2d(x, 2)[0, 0], [[2.5, 4.5], [10.5, 12.5]])


def test_pool_padding_over_half_the_kernel_is_refused():
    with pytest.raises(ValueError):
        max_pool2d(np.ones((1, 1, 4, 4), np.float32), 2, 1, 2)


def test_global_avg_pool():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype(np.float32)
    out = global_avg_pool2d(x)
    assert out.shape == (2, 3, 1, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, :, 0, 0], x.astype(np.float64).mean(axis=(2, 3)), rtol=1e-5)


def test_batch_norm_matches_formula():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    weight, bias, mean = (rng.standard_normal(4).astype(np.float32) for _ in range(3))
    var = rng.uniform(0.1, 2, 4).astype(np.float32)
    out = batch_norm2d(x, weight, bias, mean, var, 1e-3)
    assert out.dtype == np.float32
    expected = naive.batch_norm2d(x, weight, bias, mean, var, 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_batch_norm_without_affine():
    x = np.full((1, 2, 2, 2), 3.0, np.float32)
    out = batch_norm2d(x, None, None, np.full(2, 1.0), np.full(2, 4.0), 0.0)
    np.testing.assert_allclose(out, 1.0)
