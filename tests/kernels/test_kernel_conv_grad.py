"""conv2d's input and weight gradients, on every path (scatter, convolution with flipped filters,
per-tap shifted products), against the loop references and torch.autograd."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from convstudio.kernels import conv as conv_module
from convstudio.kernels import conv_grad, conv_shift, parallel
from convstudio.kernels.conv_grad import conv2d_input_grad, conv2d_weight_grad
from convstudio.kernels.conv_shift import ROW, STEP_BYTES, TAP, shift_conv2d, shift_weight_grad
from convstudio.kernels.winograd import F4, winograd_weight_grad3x3
from tests.kernels import naive_kernels as naive
from tests.kernels.test_kernel_conv import F2, close, conv_configs, random

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def output_size(cfg):
    (kh, kw), (sh, sw), (dh, dw) = cfg["kernel"], cfg["stride"], cfg["dilation"]
    (pt, pb), (pl, pr) = cfg["padding"]
    return ((cfg["h"] + pt + pb - dh * (kh - 1) - 1) // sh + 1, (cfg["w"] + pl + pr - dw * (kw - 1) - 1) // sw + 1)


def case(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = random(rng, cfg["n"], cfg["c"], cfg["h"], cfg["w"])
    weight = random(rng, cfg["k"], cfg["c"] // cfg["groups"], *cfg["kernel"])
    g = random(rng, cfg["n"], cfg["k"], *output_size(cfg))
    geometry = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    return x, weight, g, geometry


@st.composite
def stride_one(draw):
    cfg = draw(conv_configs())
    return {**cfg, "stride": (1, 1)}


@SETTINGS
@given(conv_configs(), st.sampled_from([1, 10**9]), st.sampled_from([0, 10**9]))
def test_gradients_match_loops(cfg, min_rows, max_pairs):
    """Both gradients over random geometry, each stride-1 path switched on and off."""
    x, weight, g, geometry = case(cfg)
    saved = conv_grad.MIN_GEMM_ROWS, conv_grad.SHIFT_MAX_CHANNEL_PAIRS
    conv_grad.MIN_GEMM_ROWS, conv_grad.SHIFT_MAX_CHANNEL_PAIRS = min_rows, max_pairs
    try:
        dx = conv2d_input_grad(g, weight, x.shape, **geometry)
        dweight = conv2d_weight_grad(x, g, cfg["kernel"], **geometry)
    finally:
        conv_grad.MIN_GEMM_ROWS, conv_grad.SHIFT_MAX_CHANNEL_PAIRS = saved
    expected_dx, expected_dweight = naive.conv2d_grads(x, weight, g, **geometry)
    close(dx, expected_dx)
    close(dweight, expected_dweight)


@SETTINGS
@given(stride_one(), st.sampled_from([1, 4000, STEP_BYTES]), st.sampled_from([TAP, ROW]))
def test_shift_paths_match_loops(cfg, step_bytes, mode):
    """The shifted-product forward (ungrouped) and weight gradient (grouped too), any padding and
    dilation, one or several images per step, a product per tap or per kernel row."""
    x, weight, g, geometry = case({**cfg, "groups": 1})
    bias = random(np.random.default_rng(cfg["seed"] + 1), cfg["k"])
    xg, weight_g, gg, geometry_g = case(cfg)
    saved, conv_shift.STEP_BYTES = conv_shift.STEP_BYTES, step_bytes
    try:
        out = np.empty(g.shape, np.float32)
        shift_conv2d(x, weight, bias, geometry["padding"], geometry["dilation"], out, mode=mode)
        dweight = shift_weight_grad(xg, gg, cfg["kernel"], geometry_g["padding"], geometry_g["dilation"],
                                    cfg["groups"], mode=mode)
    finally:
        conv_shift.STEP_BYTES = saved
    close(out, naive.conv2d(x, weight, bias, **geometry))
    close(dweight, naive.conv2d_grads(xg, weight_g, gg, **geometry_g)[1])


def test_an_unknown_shift_mode_is_refused():
    x, weight = np.ones((1, 2, 5, 5), np.float32), np.ones((2, 2, 3, 3), np.float32)
    with pytest.raises(ValueError, match="unknown mode 'rows'"):
        shift_conv2d(x, weight, None, ((0, 0), (0, 0)), (1, 1), np.empty((1, 2, 3, 3), np.float32), mode="rows")


@pytest.mark.parametrize("c, size, mode", [(10, 62, TAP), (10, 30, ROW), (3, 64, ROW), (64, 30, None)])
def test_layers_take_the_measured_shift_path(monkeypatch, c, size, mode):
    """TinyVGG's large maps take one product per tap, its small maps and its RGB input one per kernel
    row, wide layers neither; every path gives im2col's result."""
    monkeypatch.setattr(parallel, "WORKERS", 1)
    rng = np.random.default_rng(c + size)
    x, weight, bias = random(rng, 2, c, size, size), random(rng, 10, c, 3, 3), random(rng, 10)
    calls = []
    monkeypatch.setattr(conv_module, "shift_conv2d", lambda *a: calls.append(a[-1]) or shift_conv2d(*a))
    out = conv_module.conv2d(x, weight, bias)
    assert calls == ([mode] if mode else [])
    monkeypatch.setattr(conv_module, "SHIFT_CHANNELS", (8, 0))
    assert conv_module._shift_mode(weight, (1, 1), 1, (size - 2, size - 2), (size, size), 4) is None
    np.testing.assert_allclose(out, conv_module.conv2d(x, weight, bias), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("c, k, size, padding, dilation, groups", [
    (10, 10, 30, 0, 1, 1), (10, 10, 62, 0, 1, 1), (64, 32, 20, 1, 1, 1), (128, 128, 26, 1, 1, 1),
    (12, 8, 17, 2, 2, 4), (3, 16, 19, 1, 1, 1)])
def test_gradients_match_torch(c, k, size, padding, dilation, groups):
    """Layer shapes of TinyVGG and VGG (Winograd and shift paths included) against torch.autograd."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(c + k + size)
    x, weight = random(rng, 3, c, size, size), random(rng, k, c // groups, 3, 3) * 0.2
    xt, wt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(weight).requires_grad_()
    yt = torch.nn.functional.conv2d(xt, wt, padding=padding, dilation=dilation, groups=groups)
    g = random(rng, *yt.shape)
    yt.backward(torch.from_numpy(g))
    pads = ((padding, padding), (padding, padding))
    geometry = dict(padding=pads, dilation=(dilation, dilation), groups=groups)
    dx = conv2d_input_grad(g, weight, x.shape, **geometry)
    dweight = conv2d_weight_grad(x, g, (3, 3), **geometry)
    for ours, theirs in ((dx, xt.grad), (dweight, wt.grad)):
        theirs = theirs.numpy()
        assert ours.dtype == np.float32 and ours.shape == theirs.shape
        assert np.abs(ours - theirs).max() <= 1e-4 * np.abs(theirs).max()


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 9), st.integers(1, 9),
       st.tuples(*[st.integers(0, 2)] * 4), st.sampled_from([1, 500, 1 << 20]), st.integers(0, 2**16),
       st.sampled_from([F4, F2]))
def test_winograd_weight_gradient_matches_loops(n, c, k, h, w, pads, budget, seed, tiling):
    """The Winograd weight gradient over odd sizes (half-filled tiles), asymmetric padding and bands."""
    pt, pb, pl, pr = pads
    assume(h + pt + pb >= 3 and w + pl + pr >= 3)
    rng = np.random.default_rng(seed)
    x, weight = random(rng, n, c, h, w), random(rng, k, c, 3, 3)
    padding = ((pt, pb), (pl, pr))
    g = random(rng, n, k, h + pt + pb - 2, w + pl + pr - 2)
    dweight = winograd_weight_grad3x3(x, g, padding, None, budget, tiling)
    geometry = dict(stride=(1, 1), padding=padding, dilation=(1, 1), groups=1)
    close(dweight, naive.conv2d_grads(x, weight, g, **geometry)[1])
