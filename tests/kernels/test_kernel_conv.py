"""conv2d and conv_transpose2d against the loop references, across random geometries."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from convstudio.errors import RunCancelled
from convstudio.kernels import conv as conv_module
from convstudio.kernels import conv_grad as conv_grad_module
from convstudio.kernels import parallel
from convstudio.kernels.conv_grad import conv2d_weight_grad
from convstudio.kernels import conv2d, conv_transpose2d
from convstudio.kernels.winograd import F4, Tiling, winograd_conv3x3
from tests.kernels import naive_kernels as naive

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TILE_BUDGETS = st.sampled_from([1, 300, 3000, conv_module.TILE_BYTES])


def random(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def close(actual, expected):
    assert actual.dtype == np.float32
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4)


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 3))
    cg, kg = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(2))
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    h = max(1, span_h - sum(padding[0])) + draw(st.integers(0, 5))
    w = max(1, span_w - sum(padding[1])) + draw(st.integers(0, 5))
    n = draw(st.integers(1, 3))
    return dict(n=n, c=cg * groups, k=kg * groups, h=h, w=w, kernel=(kh, kw), stride=stride,
                padding=padding, dilation=dilation, groups=groups, bias=draw(st.booleans()),
                seed=draw(st.integers(0, 2**16)))


@SETTINGS
@given(conv_configs(), TILE_BUDGETS)
def test_conv2d_matches_loops(cfg, budget):
    rng = np.random.default_rng(cfg["seed"])
    x = random(rng, cfg["n"], cfg["c"], cfg["h"], cfg["w"])
    weight = random(rng, cfg["k"], cfg["c"] // cfg["groups"], *cfg["kernel"])
    bias = random(rng, cfg["k"]) if cfg["bias"] else None
    geometry = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                    groups=cfg["groups"])
    saved = conv_module.TILE_BYTES
    conv_module.TILE_BYTES = budget
    try:
        out = conv2d(x, weight, bias, **geometry)
    finally:
        conv_module.TILE_BYTES = saved
    close(out, naive.conv2d(x, weight, bias, **geometry))


# F(2×2, 3×3), the smaller tiling, checks that nothing in the band machinery assumes F(4×4, 3×3)'s sizes.
F2 = Tiling(bt=np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float),
            g=np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),
            at=np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float))


@SETTINGS
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 9), st.integers(1, 9),
       st.tuples(*[st.integers(0, 2)] * 4), st.sampled_from([1, 500, 1 << 20]), st.integers(0, 2**16),
       st.sampled_from([F4, F2]))
def test_winograd_matches_loops(n, c, k, h, w, pads, budget, seed, tiling):
    """The Winograd path (forced on for small shapes) over odd sizes, asymmetric padding and bands
    (rows of one image, or several whole images)."""
    pt, pb, pl, pr = pads
    assume(h + pt + pb >= 3 and w + pl + pr >= 3)
    rng = np.random.default_rng(seed)
    x, weight, bias = random(rng, n, c, h, w), random(rng, k, c, 3, 3), random(rng, k)
    padding = ((pt, pb), (pl, pr))
    out = np.empty((n, k, h + pt + pb - 2, w + pl + pr - 2), np.float32)
    winograd_conv3x3(x, weight, bias, padding, out, None, budget, tiling=tiling)
    geometry = dict(stride=(1, 1), padding=padding, dilation=(1, 1), groups=1)
    close(out, naive.conv2d(x, weight, bias, **geometry))


def test_wide_layers_take_the_winograd_path(monkeypatch):
    """On one core; split over several, the bands are smaller and narrower layers qualify."""
    monkeypatch.setattr(parallel, "WORKERS", 1)
    calls = []
    monkeypatch.setattr(conv_module, "winograd_conv3x3", lambda *args: calls.append(args))
    x = np.zeros((1, 128, 24, 24), np.float32)
    conv2d(x, np.zeros((128, 128, 3, 3), np.float32), padding=1)
    assert len(calls) == 1
    conv2d(x, np.zeros((128, 128, 3, 3), np.float32), padding=1, stride=2)
    conv2d(x[:, :64], np.zeros((128, 64, 3, 3), np.float32), padding=1)
    assert len(calls) == 1


def test_winograd_cancel():
    x, weight = np.ones((1, 2, 8, 8), np.float32), np.ones((2, 2, 3, 3), np.float32)
    with pytest.raises(RunCancelled):
        winograd_conv3x3(x, weight, None, ((1, 1), (1, 1)), np.empty((1, 2, 8, 8), np.float32),
                         lambda: True, 1 << 20)


@st.composite
def transpose_configs(draw):
    groups = draw(st.integers(1, 3))
    cg, kg = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    full = [(size - 1) * s + d * (k - 1) + a + 1
            for size, s, d, k, a in zip((h, w), stride, dilation, (kh, kw), output_padding, strict=True)]
    padding = tuple(draw(st.integers(0, min(3, (f - 1) // 2))) for f in full)
    return dict(n=draw(st.integers(1, 2)), c=cg * groups, k=kg * groups, h=h, w=w, kernel=(kh, kw),
                stride=stride, padding=padding, output_padding=output_padding, dilation=dilation,
                groups=groups, bias=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@SETTINGS
@given(transpose_configs())
def test_conv_transpose2d_matches_loops(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = random(rng, cfg["n"], cfg["c"], cfg["h"], cfg["w"])
    weight = random(rng, cfg["c"], cfg["k"] // cfg["groups"], *cfg["kernel"])
    bias = random(rng, cfg["k"]) if cfg["bias"] else None
    geometry = dict(stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
                    dilation=cfg["dilation"], groups=cfg["groups"])
    close(conv_transpose2d(x, weight, bias, **geometry), naive.conv_transpose2d(x, weight, bias, **geometry))


@pytest.mark.parametrize("positions", [1, 5, 12, 7 * 6, 2 * 7 * 6, 3 * 7 * 6])
def test_every_tiling_matches_loops(monkeypatch, positions):
    """Tiles of part of a row, several rows, whole images and several images agree."""
    rng = np.random.default_rng(4)
    x, weight, bias = random(rng, 3, 2, 7, 6), random(rng, 2, 2, 3, 3), random(rng, 2)
    bytes_per_position = 2 * 3 * 3 * 4
    monkeypatch.setattr(conv_module, "TILE_BYTES", positions * bytes_per_position)
    tiles = list(conv_module._tiles(3, 7, 6, bytes_per_position, weight.nbytes))
    assert sum((n1 - n0) * (r1 - r0) * (c1 - c0) for n0, n1, r0, r1, c0, c1 in tiles) == 3 * 7 * 6
    assert max((n1 - n0) * (r1 - r0) * (c1 - c0) for n0, n1, r0, r1, c0, c1 in tiles) <= max(positions, 2)
    geometry = dict(stride=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1)
    close(conv2d(x, weight, bias, **geometry), naive.conv2d(x, weight, bias, **geometry))


@pytest.mark.parametrize("stride", [1, 2])
def test_pointwise_and_depthwise(stride):
    rng = np.random.default_rng(1)
    x = random(rng, 2, 6, 7, 5)
    pointwise = random(rng, 4, 6, 1, 1)
    geometry = dict(stride=(stride, stride), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1)
    close(conv2d(x, pointwise, None, **geometry), naive.conv2d(x, pointwise, None, **geometry))
    depthwise = random(rng, 12, 1, 3, 3)
    geometry = dict(stride=(stride, stride), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=6)
    bias = random(rng, 12)
    close(conv2d(x, depthwise, bias, **geometry), naive.conv2d(x, depthwise, bias, **geometry))


def test_paper_output_sizes():
    """The cases from Dumoulin & Visin's figures: (i, k, s, p) -> o."""
    for i, k, s, p, o in [(4, 3, 1, 0, 2), (5, 4, 1, 2, 6), (5, 3, 1, 1, 5), (5, 3, 1, 2, 7),
                          (5, 3, 2, 0, 2), (5, 3, 2, 1, 3)]:
        out = conv2d(np.ones((1, 1, i, i), np.float32), np.ones((1, 1, k, k), np.float32),
                     stride=s, padding=p)
        assert out.shape == (1, 1, o, o)
        a = (i + 2 * p - k) % s
        back = conv_transpose2d(out, np.ones((1, 1, k, k), np.float32), stride=s, padding=p,
                                output_padding=a)
        assert back.shape == (1, 1, i, i)


def test_inputs_untouched_and_float32_kept():
    rng = np.random.default_rng(2)
    x, weight = random(rng, 1, 2, 6, 6), rng.standard_normal((3, 2, 3, 3))
    before = x.copy()
    assert conv2d(x, weight, np.zeros(3), padding=1).dtype == np.float32
    assert conv_transpose2d(x, weight.transpose(1, 0, 2, 3), stride=2).dtype == np.float32
    np.testing.assert_array_equal(x, before)


def test_integer_input_becomes_float32():
    out = conv2d(np.ones((1, 1, 3, 3), np.uint8), np.ones((1, 1, 3, 3), np.float32))
    assert out.dtype == np.float32 and out[0, 0, 0, 0] == 9


@pytest.mark.parametrize("kernel", [conv2d, conv_transpose2d])
def test_cancel_raises(kernel):
    x = np.ones((2, 4, 8, 8), np.float32)
    weight = np.ones((4, 4, 3, 3), np.float32)
    with pytest.raises(RunCancelled):
        kernel(x, weight, cancel=lambda: True)
    assert kernel(x, weight, cancel=lambda: False).shape[:2] == (2, 4)


def test_cancel_is_polled_between_tiles(monkeypatch):
    monkeypatch.setattr(conv_module, "TILE_BYTES", 1)
    monkeypatch.setattr(conv_module, "ROW_COPY_BYTES", 0)  # im2col's tiles, not one shifted copy
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) == 5

    with pytest.raises(RunCancelled):
        conv2d(np.ones((1, 2, 6, 6), np.float32), np.ones((2, 2, 3, 3), np.float32), cancel=cancel)
    assert len(calls) == 5


def test_pointwise_cancel():
    with pytest.raises(RunCancelled):
        conv2d(np.ones((1, 3, 4, 4), np.float32), np.ones((2, 3, 1, 1), np.float32), cancel=lambda: True)


@pytest.mark.parametrize("c, size", [(64, 224), (256, 112)])
def test_scratch_stays_bounded(monkeypatch, c, size):
    """Wide layers on Winograd's path (forward and weight gradient, the batch split over two
    workers) work in bands of bounded size, not on a whole column matrix (9 times the input): on
    inputs this large, less than half of one. The scratch is the transformed filters (or each
    worker's sums) and one band per worker."""
    monkeypatch.setattr(parallel, "WORKERS", 2)
    calls = []
    for module, name in ((conv_module, "winograd_conv3x3"), (conv_grad_module, "winograd_weight_grad3x3")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, real=real, name=name: calls.append(name) or real(*a))
    rng = np.random.default_rng(3)
    x, weight = random(rng, 4, c, size, size), random(rng, c, c, 3, 3)  # two images a worker
    tracemalloc.start()
    try:
        out = conv2d(x, weight, padding=1)
        forward, _ = tracemalloc.get_traced_memory()[1], tracemalloc.reset_peak()
        conv2d_weight_grad(x, out, (3, 3), padding=1)
        backward = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert set(calls) == {"winograd_conv3x3", "winograd_weight_grad3x3"}  # both took Winograd's path
    for peak in (forward - out.nbytes, backward - out.nbytes):
        assert peak <= conv_module.MAX_SCRATCH_BYTES
        assert peak < 9 * x.nbytes / 2


@pytest.mark.parametrize(
    "kwargs",
    [dict(groups=3), dict(stride=0), dict(padding=((1, -1), (0, 0)))],
)
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        conv2d(np.ones((1, 4, 5, 5), np.float32), np.ones((2, 4, 3, 3), np.float32), **kwargs)


def test_too_small_input_is_refused():
    with pytest.raises(ValueError, match="output would be"):
        conv2d(np.ones((1, 1, 2, 2), np.float32), np.ones((1, 1, 3, 3), np.float32))
