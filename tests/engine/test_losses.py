"""Losses and accuracy: hand-computed values, central differences, huge logits, N×K×1×1 heads, bad labels."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convstudio.engine.losses import LOSSES, accuracy, cross_entropy, mse
from convstudio.errors import ConvStudioError


def test_cross_entropy_by_hand():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], np.float32)
    loss, grad = cross_entropy(logits, np.array([2, 0]))
    e = np.exp([1.0, 2.0, 3.0])
    p = e / e.sum()
    assert loss == pytest.approx((-math.log(p[2]) + math.log(3.0)) / 2, rel=1e-6)
    want = np.array([[p[0], p[1], p[2] - 1], [1 / 3 - 1, 1 / 3, 1 / 3]]) / 2
    assert grad.dtype == np.float32 and isinstance(loss, float)
    np.testing.assert_allclose(grad, want, rtol=1e-6, atol=1e-7)


def test_mse_by_hand_with_targets_and_with_labels():
    out = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
    loss, grad = mse(out, np.array([[1.0, 0.0], [0.0, 1.0]], np.float32))
    assert loss == pytest.approx((0.25 + 1 + 4 + 1) / 4)
    np.testing.assert_allclose(grad, 2 * np.array([[-0.5, -1.0], [2.0, -1.0]]) / 4, rtol=1e-6)
    assert grad.dtype == np.float32
    assert mse(out, np.array([0, 1]))[0] == loss  # labels stand for the same one-hot rows
    np.testing.assert_array_equal(mse(out, np.array([0, 1]))[1], grad)


def test_accuracy_counts_argmax_matches():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.5, 0.5]], np.float32)
    assert accuracy(scores, np.array([1, 0, 0, 0])) == 0.75  # a tie counts the first class
    assert accuracy(scores.reshape(4, 2, 1, 1), np.array([0, 1, 1, 1])) == 0.25


def test_losses_are_registered_by_name():
    assert LOSSES == {"cross_entropy": cross_entropy, "mse": mse}


def _central_differences(loss_of, x: np.ndarray, h: float = 2.0 ** -8) -> np.ndarray:
    """dL/dx from (L(x + h) − L(x − h)) / 2h in float64; x ± h stays exact in float32."""
    grad = np.zeros(x.shape, np.float64)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += np.float32(h)
        down[i] -= np.float32(h)
        grad[i] = (loss_of(up) - loss_of(down)) / (2 * h)
    return grad


@st.composite
def scores_and_labels(draw):
    n, k = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    # multiples of 2⁻⁶ keep x ± 2⁻⁸ exact in float32
    x = (np.round(rng.normal(0, 2, (n, k)) * 64) / 64).astype(np.float32)
    return x, rng.integers(0, k, n)


@settings(max_examples=30)
@given(scores_and_labels(), st.sampled_from(["cross_entropy", "mse"]))
def test_gradients_match_central_differences(case, name):
    x, labels = case
    loss_fn = LOSSES[name]
    _, grad = loss_fn(x, labels)
    numeric = _central_differences(lambda z: loss_fn(z, labels)[0], x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=2e-4)


@settings(max_examples=20)
@given(scores_and_labels())
def test_score_maps_of_one_pixel_give_the_same_loss(case):
    x, labels = case
    for loss_fn in LOSSES.values():
        loss, grad = loss_fn(x, labels)
        loss4, grad4 = loss_fn(x.reshape(*x.shape, 1, 1), labels)
        assert loss4 == loss and grad4.shape == (*x.shape, 1, 1)
        np.testing.assert_array_equal(grad4.reshape(x.shape), grad)


def test_cross_entropy_stays_finite_for_huge_logits():
    logits = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]], np.float32).reshape(2, 3, 1, 1)
    loss, grad = cross_entropy(logits, np.array([1, 0]))
    assert loss == pytest.approx((2e4 + math.log(2)) / 2)
    assert grad.shape == (2, 3, 1, 1) and np.isfinite(grad).all()
    np.testing.assert_allclose(grad.reshape(2, 3), [[0.5, -0.5, 0.0], [-0.25, 0.25, 0.0]], atol=1e-7)


def test_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logits = (rng.normal(0, 5, (8, 10))).astype(np.float32)
    labels = rng.integers(0, 10, 8)
    z = torch.tensor(logits, requires_grad=True)
    want = torch.nn.functional.cross_entropy(z, torch.tensor(labels))
    want.backward()
    loss, grad = cross_entropy(logits, labels)
    assert loss == pytest.approx(want.item(), rel=1e-6)
    np.testing.assert_allclose(grad, z.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("labels, named", [([0, 3], "label 3"), ([-1, 0], "label -1")])
def test_a_label_outside_the_classes_is_named_with_the_class_count(labels, named):
    for fn in (cross_entropy, mse, accuracy):
        with pytest.raises(ConvStudioError, match=f"{named} is not a class of a 3-class output"):
            fn(np.zeros((2, 3), np.float32), np.array(labels))


@pytest.mark.parametrize("scores, labels, message", [
    (np.zeros((2, 3, 2, 2)), [0, 1], "N×K or N×K×1×1"),
    (np.zeros((2, 3)), [0, 1, 2], "2 samples need 2 labels"),
    (np.zeros((2, 3)), [0.0, 1.0], "integer class indices"),
    (np.zeros((0, 3)), np.zeros(0, int), "no samples"),
])
def test_cross_entropy_refuses_bad_shapes_in_one_line(scores, labels, message):
    with pytest.raises(ConvStudioError, match=message) as info:
        cross_entropy(scores, np.array(labels))
    assert "\n" not in str(info.value)


def test_mse_refuses_targets_of_another_shape():
    with pytest.raises(ConvStudioError, match="targets of shape 2×4 do not match outputs of shape 2×3"):
        mse(np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32))
