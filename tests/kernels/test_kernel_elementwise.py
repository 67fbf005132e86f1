"""Activations, softmax, dense and the shape-only kernels."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest

from convstudio.kernels import (
    add,
    concat,
    dense,
    flatten,
    leaky_relu,
    relu,
    sigmoid,
    softmax,
    tanh,
    upsample_nearest2d,
    zero_pad2d,
)
from tests.kernels import naive_kernels as naive

EXTREMES = np.array([-1e4, -100.0, -89.0, -87.5, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 1e4],
                    np.float32).reshape(1, 11, 1, 1)


@contextmanager
def strict():
    """Turn every floating-point event (underflow included) and warning into an error."""
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_relu_and_in_place_out():
    x = np.array([[-2.0, 0.0, 3.0]], np.float32)
    before = x.copy()
    np.testing.assert_array_equal(relu(x), [[0, 0, 3]])
    np.testing.assert_array_equal(x, before)
    out = relu(x, out=x)
    assert out is x and out.dtype == np.float32
    np.testing.assert_array_equal(x, [[0, 0, 3]])


def test_leaky_relu():
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    out = leaky_relu(x, 0.1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [-0.2, 0, 3])


def test_sigmoid_is_stable_at_extremes():
    with strict():
        out = sigmoid(EXTREMES)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    expected = 1 / (1 + np.exp(-EXTREMES.astype(np.float64).clip(-700, 700)))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-30)
    assert out.min() == 0.0 and out.max() == 1.0


def test_tanh_saturates():
    with strict():
        out = tanh(EXTREMES)
    assert out.dtype == np.float32
    assert out.min() == -1.0 and out.max() == 1.0


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_softmax_is_stable(scale):
    x = (np.random.default_rng(0).standard_normal((3, 5, 2, 2)) * scale).astype(np.float32)
    with strict():
        out = softmax(x, axis=1)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out, naive.softmax(x, 1), rtol=1e-5, atol=1e-7)


def test_softmax_of_equal_extremes_is_uniform():
    out = softmax(np.full((1, 4), 1e4, np.float32), axis=1)
    np.testing.assert_allclose(out, 0.25)


def test_dense():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5)).astype(np.float32)
    weight, bias = rng.standard_normal((3, 5)), rng.standard_normal(3)
    out = dense(x, weight, bias)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, x.astype(np.float64) @ weight.T + bias, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        dense(x, weight.T)


def test_upsample_nearest():
    x = np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2)
    out = upsample_nearest2d(x, (2, 3))
    assert out.shape == (1, 1, 4, 6) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0, 0], np.repeat(np.repeat(x[0, 0], 2, 0), 3, 1))


def test_zero_pad():
    x = np.ones((1, 2, 2, 3), np.float32)
    out = zero_pad2d(x, ((1, 0), (2, 1)))
    assert out.shape == (1, 2, 3, 6) and out.sum() == x.sum()
    assert (out[:, :, 1:, 2:5] == 1).all()


def test_add_and_concat():
    a, b = np.ones((1, 2, 3, 3), np.float32), np.full((1, 1, 3, 3), 2, np.float32)
    before = a.copy()
    np.testing.assert_array_equal(add(a, a, a), 3 * a)
    np.testing.assert_array_equal(a, before)
    out = concat([a, b])
    assert out.shape == (1, 3, 3, 3) and (out[:, 2] == 2).all()
    with pytest.raises(ValueError):
        add(a, b)
    with pytest.raises(ValueError):
        concat([a, np.ones((1, 1, 2, 3), np.float32)])


def test_flatten_is_c_order():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(flatten(x), x.reshape(2, 12))
    np.testing.assert_array_equal(flatten(x.transpose(0, 1, 3, 2)), x.transpose(0, 1, 3, 2).reshape(2, 12))
