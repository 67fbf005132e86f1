"""Every layer type's backward against central finite differences (float64) and torch.autograd."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from backward_cases import CASES, case_id

from convstudio import layers
from convstudio.layers import Tape
from convstudio.graph import coerce_params
from convstudio.layers.conv import conv_pads

BATCH = 2


def prepare(case, dtype=np.float64, seed=0):
    """(declaration, params, inputs, weights, upstream gradient) for one case."""
    type_name, raw, shapes = case
    decl = layers.get(type_name)
    params = coerce_params(type_name, raw)
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal((BATCH, *s)).astype(dtype) for s in shapes]
    weights = {k: v.astype(dtype) for k, v in decl.init_weights(params, shapes, rng).items()}
    for name, arr in weights.items():
        if name in ("weight", "bias") and type_name == "BatchNorm2D":
            arr[...] = rng.uniform(0.5, 1.5, arr.shape) if name == "weight" else rng.normal(0, 0.3, arr.shape)
    out = decl.output_shape(params, shapes)
    g = rng.standard_normal((BATCH, *out)).astype(dtype)
    return decl, params, xs, weights, g


def forward(decl, params, xs, weights, training=True):
    tape = Tape(training=training, rng=np.random.default_rng(42))
    return decl.forward_train(params, xs, weights, tape), tape


def numeric(f, arr, picks, eps=1e-6):
    """Central differences of the scalar f() with respect to the chosen entries of arr."""
    out = []
    for idx in picks:
        old = arr[idx]
        arr[idx] = old + eps
        up = f()
        arr[idx] = old - eps
        down = f()
        arr[idx] = old
        out.append((up - down) / (2 * eps))
    return np.array(out)


def picks(arr, rng, count=12):
    flat = rng.choice(arr.size, size=min(count, arr.size), replace=False)
    return [np.unravel_index(i, arr.shape) for i in flat]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_backward_matches_finite_differences(case):
    decl, params, xs, weights, g = prepare(case)
    y, tape = forward(decl, params, xs, weights)
    dxs, dws = decl.backward(params, xs, y, weights, g, tape)
    assert len(dxs) == len(xs)

    def loss():
        return float((forward(decl, params, xs, weights)[0] * g).sum())

    rng = np.random.default_rng(1)
    for x, dx in zip(xs, dxs):
        assert dx.shape == x.shape
        at = picks(x, rng)
        np.testing.assert_allclose(np.array([dx[i] for i in at]), numeric(loss, x, at), rtol=1e-5, atol=1e-7)
    assert set(dws) == {n for n in decl.trainable if n in weights}
    for name, dw in dws.items():
        assert dw.shape == weights[name].shape
        at = picks(weights[name], rng)
        np.testing.assert_allclose(np.array([dw[i] for i in at]), numeric(loss, weights[name], at),
                                   rtol=1e-5, atol=1e-7)


def test_every_type_has_a_backward():
    covered = {c[0] for c in CASES}
    missing = sorted(set(layers.names()) - covered - {"Input"})
    assert not missing, f"layer types without a backward case: {', '.join(missing)}"


def test_max_pool_ties_go_to_the_first_position():
    decl = layers.get("MaxPool2D")
    params = coerce_params(decl.name, {"kernel_size": 2})
    x = np.ones((1, 1, 2, 2), np.float32)
    y, tape = forward(decl, params, [x], {})
    (dx,), _ = decl.backward(params, [x], y, {}, np.ones_like(y), tape)
    assert dx.tolist() == [[[[1, 0], [0, 0]]]]


def test_overlapping_max_windows_add():
    decl = layers.get("MaxPool2D")
    params = coerce_params(decl.name, {"kernel_size": 3, "stride": 1})
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 1, 2] = 5  # the max of all four windows
    y, tape = forward(decl, params, [x], {})
    (dx,), _ = decl.backward(params, [x], y, {}, np.ones_like(y), tape)
    assert dx[0, 0, 1, 2] == 4 and dx.sum() == 4


def test_batch_norm_updates_running_statistics_like_pytorch():
    decl, params, xs, weights, g = prepare(("BatchNorm2D", {}, [(3, 4, 5)]), np.float32)
    weights["running_mean"][:] = 0.5
    weights["running_var"][:] = 2.0
    _, tape = forward(decl, params, xs, weights)
    x = xs[0].astype(np.float64)
    n = x.size // 3
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(tape.updates["running_mean"], 0.9 * 0.5 + 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(tape.updates["running_var"], 0.9 * 2.0 + 0.1 * var * n / (n - 1), rtol=1e-6)
    assert weights["running_mean"][0] == 0.5  # applied by the caller, never in place


def test_inference_mode_uses_running_statistics_and_keeps_everything():
    for case in [c for c in CASES if c[0] in ("BatchNorm2D", "Dropout")]:
        decl, params, xs, weights, g = prepare(case, np.float32)
        y, tape = forward(decl, params, xs, weights, training=False)
        np.testing.assert_allclose(y, decl.forward(params, xs, weights), rtol=1e-6)
        assert not tape.updates


def test_dropout_is_inverted_and_seeded():
    decl = layers.get("Dropout")
    params = coerce_params(decl.name, {"rate": 0.25})
    x = np.ones((4, 8, 16, 16), np.float32)
    y1, _ = forward(decl, params, [x], {})
    y2, _ = forward(decl, params, [x], {})
    assert np.array_equal(y1, y2)
    assert set(np.unique(y1)) == {0, np.float32(1 / 0.75)}
    assert abs((y1 == 0).mean() - 0.25) < 0.02


# -- against torch.autograd -------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_forward(torch, type_name, params, xs, w):
    F = torch.nn.functional
    x = xs[0]
    if type_name == "Conv2D":
        (pt, pb), (pl, pr) = conv_pads(params, x.shape[2:])
        x = F.pad(x, (pl, pr, pt, pb))
        return F.conv2d(x, w["weight"], w.get("bias"), stride=params["stride"], dilation=params["dilation"],
                        groups=params["groups"])
    if type_name == "ConvTranspose2D":
        return F.conv_transpose2d(x, w["weight"], w.get("bias"), stride=params["stride"],
                                  padding=params["padding"], output_padding=params["output_padding"],
                                  groups=params["groups"], dilation=params["dilation"])
    if type_name in ("MaxPool2D", "AvgPool2D"):
        stride = params["stride"] or params["kernel_size"]
        if type_name == "MaxPool2D":
            return F.max_pool2d(x, params["kernel_size"], stride, params["padding"])
        return F.avg_pool2d(x, params["kernel_size"], stride, params["padding"],
                            count_include_pad=params["count_include_pad"])
    if type_name == "GlobalAvgPool2D":
        return x.mean(dim=(2, 3), keepdim=True)
    if type_name == "BatchNorm2D":
        rm, rv = w["running_mean"].clone(), w["running_var"].clone()
        return F.batch_norm(x, rm, rv, w["weight"], w["bias"], training=True, eps=params["eps"])
    if type_name == "Dense":
        return F.linear(x, w["weight"], w.get("bias"))
    simple = {"ReLU": F.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "Flatten": lambda t: t.flatten(1),
              "Softmax": lambda t: torch.softmax(t, 1),
              "LeakyReLU": lambda t: F.leaky_relu(t, params.get("negative_slope", 0.01))}
    if type_name in simple:
        return simple[type_name](x)
    if type_name == "Add":
        return sum(xs[1:], xs[0])
    if type_name == "Concat":
        return torch.cat(xs, 1)
    if type_name == "Upsample2D":
        return F.interpolate(x, scale_factor=tuple(params["scale_factor"]), mode="nearest")
    if type_name == "LocalResponseNorm":
        return F.local_response_norm(x, params["size"], params["alpha"], params["beta"], params["k"])
    if type_name == "ChannelShuffle":
        return F.channel_shuffle(x, params["groups"])
    if type_name == "ZeroPad2D":
        t, b, left, r = params["padding"]
        return F.pad(x, (left, r, t, b))
    return None


@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "Dropout"], ids=case_id)
def test_backward_matches_torch_autograd(case, torch):
    decl, params, xs, weights, g = prepare(case, np.float32, seed=3)
    y, tape = forward(decl, params, xs, weights)
    dxs, dws = decl.backward(params, xs, y, weights, g, tape)
    txs = [torch.tensor(x, requires_grad=True) for x in xs]
    tw = {k: torch.tensor(v, requires_grad=k in decl.trainable) for k, v in weights.items()}
    ty = torch_forward(torch, case[0], params, txs, tw)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    ty.backward(torch.tensor(g))
    for dx, tx in zip(dxs, txs):
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, dw in dws.items():
        np.testing.assert_allclose(dw, tw[name].grad.numpy(), rtol=1e-4, atol=1e-4)


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 2]))
    c, k = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.one_of(st.just("same"), st.lists(st.integers(0, 2), min_size=2, max_size=2)))
    if padding == "same":
        sh = sw = 1
    h = draw(st.integers(dh * (kh - 1) + 1, 9))
    w = draw(st.integers(dw * (kw - 1) + 1, 9))
    params = {"filters": k, "kernel_size": [kh, kw], "stride": [sh, sw], "padding": padding,
              "dilation": [dh, dw], "groups": groups, "bias": draw(st.booleans())}
    return ("Conv2D", params, [(c, h, w)])


@settings(max_examples=40)
@given(conv_cases())
def test_conv_backward_matches_torch_on_random_geometry(case):
    torch = pytest.importorskip("torch")
    decl, params, xs, weights, g = prepare(case, np.float32, seed=5)
    y, tape = forward(decl, params, xs, weights)
    (dx,), dws = decl.backward(params, xs, y, weights, g, tape)
    tx = torch.tensor(xs[0], requires_grad=True)
    tw = {k: torch.tensor(v, requires_grad=True) for k, v in weights.items()}
    torch_forward(torch, "Conv2D", params, [tx], tw).backward(torch.tensor(g))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, dw in dws.items():
        np.testing.assert_allclose(dw, tw[name].grad.numpy(), rtol=1e-4, atol=1e-4)
