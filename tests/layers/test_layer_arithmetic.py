"""Convolution arithmetic (Dumoulin & Visin, arXiv:1603.07285) through the layer declarations.

The figures in REFERENCE.md are the oracle; the declarations must agree with them whether the
question is asked of the arithmetic helpers or of Conv2D/MaxPool2D/ConvTranspose2D themselves.
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convstudio import layers
from convstudio.layers import ShapeError
from convstudio.layers import arithmetic as ar

CONV = layers.get("Conv2D")
TCONV = layers.get("ConvTranspose2D")
MAXPOOL = layers.get("MaxPool2D")

# (i, k, s, p, d, o) from the paper's figures
PAPER_CASES = [
    (4, 3, 1, 0, 1, 2),
    (5, 4, 1, 2, 1, 6),
    (5, 3, 1, 1, 1, 5),
    (5, 3, 1, 2, 1, 7),
    (5, 3, 2, 0, 1, 2),
    (5, 3, 2, 1, 1, 3),
    (7, 3, 1, 0, 2, 3),  # dilated convolution figure: k̂ = 5
]


def conv(**given) -> dict:
    p = CONV.defaults()
    p.update({k: CONV.param(k).coerce(v) for k, v in given.items()})
    return p


def pool(**given) -> dict:
    p = MAXPOOL.defaults()
    p.update({k: MAXPOOL.param(k).coerce(v) for k, v in given.items()})
    return p


def tconv(**given) -> dict:
    p = TCONV.defaults()
    p.update({k: TCONV.param(k).coerce(v) for k, v in given.items()})
    return p


@pytest.mark.parametrize("i,k,s,p,d,o", PAPER_CASES)
def test_paper_cases_arithmetic(i, k, s, p, d, o):
    assert ar.conv_out(i, k, s, (p, p), d) == o


@pytest.mark.parametrize("i,k,s,p,d,o", PAPER_CASES)
def test_paper_cases_through_conv2d(i, k, s, p, d, o):
    out = CONV.output_shape(conv(filters=2, kernel_size=k, stride=s, padding=p, dilation=d), [(3, i, i)])
    assert out == (2, o, o)


@pytest.mark.parametrize("i,k,s,p,d,o", PAPER_CASES)
def test_paper_cases_on_one_axis_only(i, k, s, p, d, o):
    """Height and width are independent: a rectangular input gives a rectangular output."""
    params = conv(filters=1, kernel_size=[1, k], stride=[1, s], padding=[0, p], dilation=[1, d])
    assert CONV.output_shape(params, [(1, 9, i)]) == (1, 9, o)


def test_dilated_kernel_extent():
    assert [ar.dilated(3, d) for d in (1, 2, 3)] == [3, 5, 7]
    assert ar.dilated(1, 5) == 1


@given(i=st.integers(1, 60), k=st.integers(1, 9), s=st.integers(1, 5), p=st.integers(0, 4), d=st.integers(1, 4))
def test_general_formula(i, k, s, p, d):
    """o = ⌊(i + 2p − k − (k − 1)(d − 1)) / s⌋ + 1 whenever the kernel fits."""
    span = i + 2 * p - k - (k - 1) * (d - 1)
    params = conv(filters=1, kernel_size=k, stride=s, padding=p, dilation=d)
    if span < 0:
        with pytest.raises(ShapeError):
            CONV.output_shape(params, [(1, i, i)])
    else:
        assert CONV.output_shape(params, [(1, i, i)]) == (1, span // s + 1, span // s + 1)


@pytest.mark.parametrize("i,k,s,o", [(5, 3, 1, 3), (4, 2, 2, 2), (5, 3, 2, 2), (7, 2, 2, 3), (224, 2, 2, 112)])
def test_pooling_formula(i, k, s, o):
    """o = ⌊(i − k) / s⌋ + 1."""
    assert MAXPOOL.output_shape(pool(kernel_size=k, stride=s), [(4, i, i)]) == (4, o, o)


def test_pool_stride_defaults_to_kernel():
    assert MAXPOOL.output_shape(pool(kernel_size=3), [(2, 9, 9)]) == (2, 3, 3)


def test_pooling_with_padding_is_like_convolution():
    assert MAXPOOL.output_shape(pool(kernel_size=3, stride=2, padding=1), [(64, 112, 112)]) == (64, 56, 56)


@given(i=st.integers(1, 40), half=st.integers(0, 4))
def test_half_padding_keeps_size(i, half):
    """Odd k, s = 1, p = ⌊k/2⌋: o = i."""
    k = 2 * half + 1
    assert CONV.output_shape(conv(filters=1, kernel_size=k, padding=half), [(1, i, i)]) == (1, i, i)


@given(i=st.integers(1, 40), k=st.integers(1, 9))
def test_full_padding_grows_by_k_minus_one(i, k):
    """p = k − 1, s = 1: o = i + k − 1."""
    assert CONV.output_shape(conv(filters=1, kernel_size=k, padding=k - 1), [(1, i, i)]) == (1, i + k - 1, i + k - 1)


@given(i=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), d=st.integers(1, 3))
def test_same_padding_word_gives_ceil_i_over_s(i, k, s, d):
    out = CONV.output_shape(conv(filters=1, kernel_size=k, stride=s, dilation=d, padding="same"), [(1, i, i)])
    assert out == (1, -(-i // s), -(-i // s))


def test_valid_padding_word_is_zero_padding():
    assert CONV.output_shape(conv(filters=1, kernel_size=3, padding="valid"), [(1, 5, 5)]) == (1, 3, 3)


@given(i=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3))
def test_transposed_convolution_undoes_the_shape(i, k, s, p):
    """ConvTranspose2D of (k, s, p) with a = (i + 2p − k) mod s takes o back to i."""
    if i + 2 * p < k:
        return
    o = ar.conv_out(i, k, s, (p, p))
    a = (i + 2 * p - k) % s
    assert o == (i + 2 * p - k) // s + 1
    params = tconv(filters=1, kernel_size=k, stride=s, padding=p, output_padding=a)
    assert TCONV.output_shape(params, [(1, o, o)]) == (1, i, i)
    assert ar.transposed_out(o, k, s, p, a) == s * (o - 1) + a + k - 2 * p


@pytest.mark.parametrize("i,k,s,p,o,a", [(5, 3, 2, 1, 3, 0), (6, 3, 2, 1, 3, 1), (4, 3, 1, 0, 2, 0), (5, 3, 1, 1, 5, 0)])
def test_transposed_paper_cases(i, k, s, p, o, a):
    assert TCONV.output_shape(tconv(filters=1, kernel_size=k, stride=s, padding=p, output_padding=a),
                              [(1, o, o)]) == (1, i, i)


def _brute_uncovered(i, k, s, p, d):
    """Trailing padded positions beyond the end of the last window."""
    kk = ar.dilated(k, d)
    total = i + 2 * p
    starts = range(0, total - kk + 1, s)
    last = max(starts) + kk - 1
    return total - 1 - last


@given(i=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 5), p=st.integers(0, 3), d=st.integers(1, 3))
def test_never_covered_rows(i, k, s, p, d):
    """The last (i + 2p − k̂) mod s rows of the padded input are never covered."""
    span = i + 2 * p - ar.dilated(k, d)
    if span < 0:
        return
    assert ar.uncovered(i, k, s, (p, p), d) == span % s == _brute_uncovered(i, k, s, p, d)


def test_parameter_sharing_figures():
    """3×3 kernel on 4×4: a 4×16 matrix with 36 non-zeros (= MACs) but only 9 distinct weights."""
    params = conv(filters=1, kernel_size=3, bias=False)
    out = CONV.output_shape(params, [(1, 4, 4)])
    assert out == (1, 2, 2)
    assert CONV.param_count(params, [(1, 4, 4)]) == 9
    assert CONV.macs(params, [(1, 4, 4)], out) == 36


# -- the explanations the app shows ----------------------------------------------------------
def test_kernel_too_large_message():
    params = conv(filters=4, kernel_size=7, dilation=2, padding=1)
    with pytest.raises(ShapeError) as e:
        CONV.output_shape(params, [(3, 20, 5)])
    assert str(e.value) == "kernel 7 (dilated to 13) needs 13 pixels but the padded input is only 7 wide (5 + 2×1)"


def test_kernel_too_tall_message_without_dilation():
    with pytest.raises(ShapeError) as e:
        CONV.output_shape(conv(kernel_size=5), [(3, 4, 9)])
    assert str(e.value) == "kernel 5 needs 5 pixels but the padded input is only 4 tall (4 + 2×0)"


def test_same_padding_is_asymmetric_in_the_message():
    """"same" with stride 2 on an even size pads 0 before and 1 after, like PyTorch and TensorFlow."""
    assert ar.same_pad(4, 2, 2) == (0, 0)
    assert ar.same_pad(5, 2, 2) == (0, 1)
    assert ar.same_pad(6, 3, 2) == (0, 1)


def test_pool_kernel_too_large_message():
    with pytest.raises(ShapeError) as e:
        MAXPOOL.output_shape(pool(kernel_size=2), [(8, 1, 1)])
    assert str(e.value) == "kernel 2 needs 2 pixels but the padded input is only 1 tall (1 + 2×0)"


def test_unvisited_column_warning():
    p = pool(kernel_size=2)
    out = MAXPOOL.output_shape(p, [(16, 8, 7)])
    assert out == (16, 4, 3)
    assert MAXPOOL.warnings(p, [(16, 8, 7)], out) == ["stride 2 leaves the last column of the 7-wide input unvisited"]


def test_unvisited_rows_warning_plural_and_padded():
    p = conv(kernel_size=2, stride=4, padding=1)
    out = CONV.output_shape(p, [(3, 9, 8)])
    # height: 9 + 2 − 2 = 9, 9 mod 4 = 1 → only the bottom padding row, nothing lost
    # width: 8 + 2 − 2 = 8, a multiple of 4
    assert CONV.warnings(p, [(3, 9, 8)], out) == []
    p = conv(kernel_size=5, stride=5, padding=1)
    out = CONV.output_shape(p, [(3, 14, 8)])
    # height: 14 + 2 − 5 = 11, 11 mod 5 = 1 → padding only; width: 8 + 2 − 5 = 5 → none
    assert CONV.warnings(p, [(3, 14, 8)], out) == []
    out = CONV.output_shape(p, [(3, 16, 8)])
    # height: 16 + 2 − 5 = 13, 13 mod 5 = 3 → 2 real rows lost besides the padding row
    assert CONV.warnings(p, [(3, 16, 8)], out) == ["stride 5 leaves the last 3 rows of the 18-tall padded input unvisited"]


def test_no_trailing_warning_when_the_window_is_smaller_than_the_stride():
    # a 1×1 stride-2 shortcut skips every second row by design; the last one is no surprise
    p = conv(kernel_size=1, stride=2)
    assert CONV.warnings(p, [(64, 56, 56)], CONV.output_shape(p, [(64, 56, 56)])) == []


def test_no_warning_when_the_stride_divides_evenly():
    p = conv(kernel_size=3, stride=2, padding=1)
    assert CONV.warnings(p, [(3, 7, 7)], CONV.output_shape(p, [(3, 7, 7)])) == []
