"""Sliding windows: sizes, formulas, taps and never-covered cells against the arithmetic guide."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convstudio import layers
from convstudio.engine.explain import describe_window, formula_lines, node_window
from convstudio.errors import ConvStudioError
from convstudio.graph import coerce_params
from tests.engine.explain.explain_nets import build, conv

# Dumoulin & Visin's figures (REFERENCE.md): i, k, s, p, d, o
PAPER = [(4, 3, 1, 0, 1, 2), (5, 4, 1, 2, 1, 6), (5, 3, 1, 1, 1, 5), (5, 3, 1, 2, 1, 7), (5, 3, 2, 0, 1, 2),
         (5, 3, 2, 1, 1, 3)]


def conv_window(i, k, s=1, p=0, d=1, channels=1):
    return describe_window("Conv2D", conv(1, k, s, p, d), (channels, i, i))


@pytest.mark.parametrize("i, k, s, p, d, o", PAPER)
def test_paper_cases(i, k, s, p, d, o):
    w = conv_window(i, k, s, p, d)
    assert w.output_shape == (o, o)
    assert w.padded_shape == (i + 2 * p, i + 2 * p)
    assert w.rows.formula[-1].endswith(f"= {o}")
    assert len(w.rows.taps) == o
    assert w.problem is None


@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_agrees_with_declaration_and_never_covered_formula(i, k, s, p, d):
    params = coerce_params("Conv2D", conv(1, k, s, p, d))
    eff = k + (k - 1) * (d - 1)
    w = describe_window("Conv2D", params, (1, i, i))
    if i + 2 * p < eff:
        assert w.problem and w.output_shape == (0, 0)
        return
    assert w.output_shape == layers.get("Conv2D").output_shape(params, [(1, i, i)])[1:]
    left = (i + 2 * p - eff) % s
    assert w.rows.uncovered == tuple(range(i + 2 * p - left, i + 2 * p))
    assert w.rows.taps[-1][-1] == i + 2 * p - 1 - left
    for o, taps in enumerate(w.rows.taps):
        assert taps == tuple(o * s + j * d for j in range(k))
    coverage = w.coverage()
    assert (coverage[list(w.rows.uncovered), :] == 0).all()
    brute = [[0] * w.padded_shape[1] for _ in range(w.padded_shape[0])]
    for r in range(w.output_shape[0]):
        for c in range(w.output_shape[1]):
            for y, x in w.cells(r, c):
                brute[y][x] += 1
    assert coverage.tolist() == brute
    assert bool(w.rows.notes) == bool(left) or w.rows.output == 1


def test_formulas_written_with_the_layers_numbers():
    assert conv_window(5, 3, 2, 1).rows.formula == ("⌊(5 + 2·1 − 3) / 2⌋ + 1 = 3",)
    assert conv_window(5, 3, 2, 0).rows.formula == ("⌊(5 − 3) / 2⌋ + 1 = 2",)
    assert conv_window(7, 3, 1, 0, 2).rows.formula == ("k̂ = 3 + (3 − 1)(2 − 1) = 5", "⌊(7 − 5) / 1⌋ + 1 = 3")
    same = describe_window("Conv2D", conv(1, 4, 2, "same"), (1, 5, 5))
    assert same.rows.pad == (1, 2)
    assert same.rows.formula == ("⌊(5 + 1 + 2 − 4) / 2⌋ + 1 = 3",)
    assert formula_lines(5, 3, 1, (1, 2)) == ("⌊(5 + 1 + 2 − 3) / 1⌋ + 1 = 6",)


def test_dilation_gaps_are_visible_in_the_taps():
    w = conv_window(9, 3, 1, 0, 3)
    assert w.rows.effective == 7
    assert w.cells(0, 1) == [(y, x) for y in (0, 3, 6) for x in (1, 4, 7)]


def test_uncovered_rows_are_explained():
    w = conv_window(6, 3, 2, 0)  # (6 − 3) mod 2 = 1: row 5 is never used
    assert w.rows.uncovered == (5,) and w.cols.uncovered == (5,)
    note = w.rows.notes[0]
    assert "row 5" in note and "3 mod 2 = 1" in note and "real input" in note
    padded = conv_window(5, 3, 2, 1)  # (5 + 2 − 3) mod 2 = 0
    assert padded.rows.uncovered == ()
    only_padding = conv_window(4, 2, 3, 1)  # padded 6, taps 0–1 and 3–4, cell 5 is padding
    assert only_padding.rows.uncovered == (5,) and "only padding" in only_padding.rows.notes[0]


@pytest.mark.parametrize("stride", [1, 2, 3, 7, 50])
def test_kernel_as_large_as_the_padded_input_has_one_position(stride):
    w = conv_window(5, 7, stride, 1)
    assert w.output_shape == (1, 1)
    assert w.rows.uncovered == ()
    assert "any stride" in w.rows.notes[0] and "nowhere to jump" in w.rows.notes[0]
    assert w.cells(0, 0)[-1] == (6, 6)


def test_padding_cells_and_input_region():
    w = conv_window(4, 3, 1, 2)
    assert w.input_region == (2, 2, 6, 6)
    mask = w.padding_mask()
    assert mask.shape == (8, 8) and (~mask).sum() == 16 and not mask[2:6, 2:6].any()
    assert w.pad_value == "0"


def test_pools_use_their_declarations():
    maxpool = describe_window("MaxPool2D", {"kernel_size": 3, "padding": 1},
                              (8, 10, 10))
    assert maxpool.rows.stride == 3  # empty stride means the kernel size
    assert maxpool.output_shape == (4, 4) and maxpool.pad_value == "−∞" and maxpool.channels == 8
    avg = describe_window("AvgPool2D", {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0]}, (1, 5, 5))
    assert avg.output_shape == (2, 2) and avg.rows.uncovered == (4,) and avg.pad_value == "0"
    bad = describe_window("MaxPool2D", {"kernel_size": [2, 2], "stride": None, "padding": [2, 2]}, (1, 5, 5))
    assert "more than half" in bad.problem


def test_kernel_too_large_reports_the_layers_message():
    w = conv_window(5, 7)
    assert w.output_shape == (0, 0) and "needs 7 pixels" in w.problem


def test_node_window_and_errors():
    net = build(("image", "Input", {"channels": 3, "height": 9, "width": 9}, []),
                ("conv", "Conv2D", conv(4, 3, 2, 1), ["image"]),
                ("relu", "ReLU", {}, ["conv"]))
    w = node_window(net, "conv")
    assert w.output_shape == (5, 5) and w.channels == 3
    with pytest.raises(ConvStudioError, match="no sliding window"):
        node_window(net, "relu")


def test_an_average_that_leaves_padding_out_says_so():
    kept = describe_window("AvgPool2D", {"kernel_size": 3, "stride": 2, "padding": 1}, (1, 5, 5))
    left_out = describe_window("AvgPool2D", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
                               (1, 5, 5))
    assert kept.counts_padding and not left_out.counts_padding
    assert left_out.output_shape == kept.output_shape == (3, 3)
