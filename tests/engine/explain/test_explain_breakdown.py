"""One output value as a sum over input channels, and the receptive field it depends on."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convstudio import init_weights, run
from convstudio.engine.explain import output_breakdown, receptive_box
from convstudio.errors import ConvStudioError
from tests.engine.explain.explain_nets import build, conv, image


@st.composite
def conv_layers(draw):
    groups = draw(st.integers(1, 3))
    c, k = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = [draw(st.integers(1, 4)), draw(st.integers(1, 4))]
    stride = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    dilation = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    padding = draw(st.one_of(st.just("same"), st.just("valid"), st.lists(st.integers(0, 3), min_size=2, max_size=2)))
    span = [dilation[a] * (kernel[a] - 1) + 1 for a in (0, 1)]
    h, w = span[0] + draw(st.integers(0, 6)), span[1] + draw(st.integers(0, 6))
    return c, h, w, conv(k, kernel, stride, padding, dilation, groups, draw(st.booleans()))


@given(conv_layers(), st.integers(0, 2**31 - 1))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_total_equals_the_engines_output(layer, seed):
    c, h, w, params = layer
    net = build(("image", "Input", {"channels": c, "height": h, "width": w}, []),
                ("conv", "Conv2D", params, ["image"]))
    rng = np.random.default_rng(seed)
    weights = init_weights(net, seed)
    acts = run(net, image(rng, 2, c, h, w), weights)
    out = acts["conv"]
    for _ in range(5):
        b, k, row, col = (int(rng.integers(n)) for n in out.shape)
        bd = output_breakdown(net, weights, acts, "conv", b, k, row, col)
        np.testing.assert_allclose(bd.total, out[b, k, row, col], rtol=1e-5, atol=1e-6)
        assert bd.engine == out[b, k, row, col]
        cg = c // params["groups"]
        assert [t.channel for t in bd.terms] == list(range(bd.group * cg, (bd.group + 1) * cg))
        for t in bd.terms:
            np.testing.assert_array_equal(t.kernel, weights["conv"]["weight"][k, t.channel - bd.group * cg])
            assert (t.window[t.padding] == 0).all()
        np.testing.assert_allclose(sum(t.partial for t in bd.terms) + bd.bias, bd.total)


def test_windows_taps_and_padding_by_hand():
    net = build(("image", "Input", {"channels": 2, "height": 4, "width": 4}, []),
                ("conv", "Conv2D", conv(3, 3, 2, 1, 1, 1), ["image"]))
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    weights = init_weights(net, 1)
    acts = run(net, x, weights)
    bd = output_breakdown(net, weights, acts, "conv", 0, 2, 0, 1)
    assert bd.rows.tolist() == [-1, 0, 1] and bd.cols.tolist() == [1, 2, 3]
    assert bd.terms[1].padding.tolist() == [[True] * 3, [False] * 3, [False] * 3]
    np.testing.assert_array_equal(bd.terms[1].window, [[0, 0, 0], [17, 18, 19], [21, 22, 23]])
    assert bd.bias == pytest.approx(float(weights["conv"]["bias"][2]))
    text = bd.formula()
    assert text.count(" + ") == 2 and " + bias " in text and f"{abs(bd.total):.4g}" in text.rsplit("=", 1)[1]
    assert bd.field.size == (2, 3)  # rows −1..1 clipped to 0..1, columns 1..3


def test_conv_inside_a_network_and_errors():
    net = build(("image", "Input", {"channels": 3, "height": 8, "width": 8}, []),
                ("c1", "Conv2D", conv(4, 3, 1, 1), ["image"]),
                ("relu", "ReLU", {}, ["c1"]),
                ("c2", "Conv2D", conv(5, 3, 2, 0, 1, 1, False), ["relu"]))
    weights = init_weights(net, 3)
    acts = run(net, image(np.random.default_rng(0), 1, 3, 8, 8), weights)
    bd = output_breakdown(net, weights, acts, "c2", 0, 4, 2, 1)
    assert len(bd.terms) == 4 and bd.bias == 0.0
    assert (bd.terms[0].window >= 0).all()  # it reads the ReLU's output
    np.testing.assert_allclose(bd.total, acts["c2"][0, 4, 2, 1], rtol=1e-5)
    with pytest.raises(ConvStudioError, match="Conv2D"):
        output_breakdown(net, weights, acts, "relu", 0, 0, 0, 0)
    with pytest.raises(ConvStudioError, match="row 3 is out of range"):
        output_breakdown(net, weights, acts, "c2", 0, 0, 3, 0)


# -- receptive fields: perturbation tests --------------------------------------------------------
@st.composite
def stacks(draw, holes: bool, linear: bool = False):
    """A random Input → conv/pool stack.

    holes=False keeps every stride ≤ kernel and dilation 1, so the field has no gaps;
    linear=True leaves out max pooling, so the value is affine in every pixel of its field.
    """
    size = draw(st.integers(10, 20))
    layers_, channels = [("image", "Input", {"channels": 2, "height": size, "width": size}, [])], 2
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Conv2D", "Conv2D", "AvgPool2D"] + ([] if linear else ["MaxPool2D"])))
        k = draw(st.integers(1, 3))
        s = draw(st.integers(1, 3 if holes else k))
        if kind == "Conv2D":
            d = draw(st.integers(1, 2)) if holes else 1
            pad = draw(st.one_of(st.integers(0, 2), st.just("same")))
            channels = draw(st.integers(1, 3))
            params = conv(channels, k, s, pad, d)
        else:
            params = {"kernel_size": k, "stride": s, "padding": draw(st.integers(0, k // 2))}
        layers_.append((f"l{i}", kind, params, [layers_[-1][0]]))
    return layers_


def _setup(layers_, data):
    net = build(*layers_)
    last = layers_[-1][0]
    from convstudio import infer

    report = infer(net)
    shape = report.nodes[last].shape
    if report.errors or shape is None:
        return None
    target = data.draw(st.sampled_from([n[0] for n in layers_[1:] if report.nodes[n[0]].shape]))
    c, h, w = report.nodes[target].shape
    pixel = (data.draw(st.integers(0, c - 1)), data.draw(st.integers(0, h - 1)), data.draw(st.integers(0, w - 1)))
    return net, target, pixel


def _value(net, target, pixel, x, weights):
    c, r, q = pixel
    return run(net, x, weights)[target][0, c, r, q]


@given(stacks(holes=True), st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pixels_outside_the_box_never_change_the_output(layers_, data):
    setup = _setup(layers_, data)
    if setup is None:
        return
    net, target, (c, r, q) = setup
    box = receptive_box(net, target, r, q)
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    weights = init_weights(net, 0)
    size = layers_[0][2]["height"]
    x = image(rng, 1, 2, size, size)
    before = _value(net, target, (c, r, q), x, weights)
    outside = np.ones((size, size), dtype=bool)
    outside[box.top:box.bottom + 1, box.left:box.right + 1] = False
    y = x.copy()
    y[:, :, outside] = rng.standard_normal((1, 2, int(outside.sum()))) * 100
    assert _value(net, target, (c, r, q), y, weights) == before


def _bumped(net, target, pixel, x, weights, rows, cols) -> bool:
    """Does adding ±1000 to the input at (rows, cols), all channels, change the value?"""
    before = _value(net, target, pixel, x, weights)
    for bump in (1e3, -1e3):
        y = x.copy()
        y[:, :, rows, cols] += bump
        if _value(net, target, pixel, y, weights) != before:
            return True
    return False


def _box_case(layers_, data):
    """A network, a picked pixel, its non-empty box and an input image; None when the draw has no such pixel."""
    setup = _setup(layers_, data)
    if setup is None:
        return None
    net, target, pixel = setup
    box = receptive_box(net, target, *pixel[1:])
    if box.empty:
        return None
    size = layers_[0][2]["height"]
    return net, target, pixel, box, image(np.random.default_rng(1), 1, 2, size, size)


@given(stacks(holes=False), st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_pixels_inside_the_box_can_change_the_output(layers_, data):
    case = _box_case(layers_, data)
    if case is None:
        return
    net, target, pixel, box, x = case
    inside = (slice(box.top, box.bottom + 1), slice(box.left, box.right + 1))
    assert _bumped(net, target, pixel, x, init_weights(net, 0), *inside)


@given(stacks(holes=False, linear=True), st.data())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_corner_of_the_box_matters(layers_, data):
    """The box is tight: with no gaps and no max pooling, each of its corners changes the value."""
    case = _box_case(layers_, data)
    if case is None:
        return
    net, target, pixel, box, x = case
    weights = init_weights(net, 0)
    for y0, x0 in {(box.top, box.left), (box.top, box.right), (box.bottom, box.left), (box.bottom, box.right)}:
        assert _bumped(net, target, pixel, x, weights, y0, x0), f"corner ({y0}, {x0}) of {box} did not matter"


def test_box_is_clipped_to_the_image():
    net = build(("image", "Input", {"channels": 1, "height": 6, "width": 6}, []),
                ("c1", "Conv2D", conv(1, 3, 1, 1), ["image"]),
                ("c2", "Conv2D", conv(1, 3, 1, 1), ["c1"]))
    box = receptive_box(net, "c2", 0, 0)
    assert (box.top, box.left, box.bottom, box.right) == (0, 0, 2, 2)
    assert box.unclipped == (-2.0, -2.0, 2.0, 2.0)
    assert box.contains(2, 2) and not box.contains(3, 0)
    with pytest.raises(ConvStudioError, match="outside"):
        receptive_box(net, "c2", 6, 0)


def test_pixel_that_sees_only_padding_has_an_empty_box():
    net = build(("image", "Input", {"channels": 1, "height": 4, "width": 4}, []),
                ("c", "Conv2D", conv(1, 1, 1, 2), ["image"]))
    assert receptive_box(net, "c", 0, 3).empty and receptive_box(net, "c", 7, 3).size == (0, 0)
    assert not receptive_box(net, "c", 2, 2).empty


def test_border_pixel_reading_only_earlier_padding_has_an_empty_box():
    """Field.box says (−1..0) here, but conv pixel (0, 0) reads only the pool's padding cell (−1, −1)."""
    net = build(("image", "Input", {"channels": 2, "height": 10, "width": 10}, []),
                ("pool", "MaxPool2D", {"kernel_size": 2, "stride": 1}, ["image"]),
                ("conv", "Conv2D", conv(1, 1, 1, 1), ["pool"]))
    box = receptive_box(net, "conv", 0, 0)
    assert box.unclipped == (-1.0, -1.0, 0.0, 0.0) and box.empty
    inner = receptive_box(net, "conv", 1, 2)
    assert (inner.top, inner.left, inner.bottom, inner.right) == (0, 1, 1, 2)


def test_fields_through_flatten_dense_and_residual_branches():
    net = build(("image", "Input", {"channels": 1, "height": 8, "width": 8}, []),
                ("a", "Conv2D", conv(2, 3, 1, 1), ["image"]),
                ("b", "Conv2D", conv(2, 5, 1, 2), ["image"]),
                ("sum", "Add", {}, ["a", "b"]),
                ("flat", "Flatten", {}, ["sum"]),
                ("fc", "Dense", {"units": 3}, ["flat"]))
    wide = receptive_box(net, "sum", 4, 4)
    assert (wide.top, wide.left, wide.bottom, wide.right) == (2, 2, 6, 6)  # the 5×5 branch wins
    whole = receptive_box(net, "fc", 0, 0)
    assert whole.whole and whole.size == (8, 8)
