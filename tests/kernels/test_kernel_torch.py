"""Differential checks against torch.nn.functional on random configurations (skipped without torch)."""

import numpy as np
import pytest

from convstudio import kernels

torch = pytest.importorskip("torch")
F = torch.nn.functional

CASES = 40


def rel_error(ours, theirs):
    theirs = theirs.detach().numpy()
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    return float(np.abs(ours - theirs).max() / max(np.abs(theirs).max(), 1e-6))


def tensors(*arrays):
    return [None if a is None else torch.from_numpy(a) for a in arrays]


def draw(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def pair(rng, low, high):
    return tuple(int(v) for v in rng.integers(low, high, 2))


@pytest.mark.parametrize("seed", range(CASES))
def test_conv2d(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 1, 2, 4]))
    c, k = groups * int(rng.integers(1, 9)), groups * int(rng.integers(1, 9))
    kh, kw = rng.integers(1, 6, 2)
    stride, dilation = pair(rng, 1, 4), pair(rng, 1, 3)
    ph, pw = (int(v) for v in rng.integers(0, 3, 2))
    h = dilation[0] * (kh - 1) + 1 + int(rng.integers(0, 20))
    w = dilation[1] * (kw - 1) + 1 + int(rng.integers(0, 20))
    x = draw(rng, int(rng.integers(1, 4)), c, h, w)
    weight, bias = draw(rng, k, c // groups, kh, kw), draw(rng, k)
    geometry = dict(stride=stride, dilation=dilation, groups=groups)
    ours = kernels.conv2d(x, weight, bias, padding=((ph, ph), (pw, pw)), **geometry)
    theirs = F.conv2d(*tensors(x, weight, bias), padding=(ph, pw), **geometry)
    assert rel_error(ours, theirs) <= 1e-4


def test_conv2d_asymmetric_padding():
    rng = np.random.default_rng(0)
    x, weight = draw(rng, 2, 3, 9, 8), draw(rng, 5, 3, 3, 2)
    ours = kernels.conv2d(x, weight, padding=((2, 0), (1, 3)), stride=2)
    theirs = F.conv2d(F.pad(torch.from_numpy(x), (1, 3, 2, 0)), torch.from_numpy(weight), stride=2)
    assert rel_error(ours, theirs) <= 1e-4


@pytest.mark.parametrize("c, k, size, padding", [(128, 128, 24, 1), (128, 256, 29, 0), (256, 128, 25, 2)])
def test_conv2d_wide_layers(c, k, size, padding):
    """Shapes large enough for the Winograd path."""
    rng = np.random.default_rng(c + k + size)
    x, weight, bias = draw(rng, 2, c, size, size), draw(rng, k, c, 3, 3), draw(rng, k)
    ours = kernels.conv2d(x, weight, bias, padding=padding)
    theirs = F.conv2d(*tensors(x, weight, bias), padding=padding)
    assert rel_error(ours, theirs) <= 1e-4


@pytest.mark.parametrize("seed", range(CASES))
def test_conv_transpose2d(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 1, 2, 3]))
    c, k = groups * int(rng.integers(1, 6)), groups * int(rng.integers(1, 6))
    kh, kw = pair(rng, 1, 5)
    stride, dilation = pair(rng, 1, 4), pair(rng, 1, 3)
    output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation, strict=True))
    padding = pair(rng, 0, 2)
    x = draw(rng, int(rng.integers(1, 3)), c, int(rng.integers(2, 12)), int(rng.integers(2, 12)))
    weight, bias = draw(rng, c, k // groups, kh, kw), draw(rng, k)
    geometry = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation,
                    groups=groups)
    ours = kernels.conv_transpose2d(x, weight, bias, **geometry)
    theirs = F.conv_transpose2d(*tensors(x, weight, bias), **geometry)
    assert rel_error(ours, theirs) <= 1e-4


@pytest.mark.parametrize("seed", range(CASES))
def test_pools(seed):
    rng = np.random.default_rng(seed)
    kernel, stride = pair(rng, 1, 5), pair(rng, 1, 4)
    padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
    x = draw(rng, 2, 3, int(rng.integers(4, 15)), int(rng.integers(4, 15)))
    xt = torch.from_numpy(x)
    assert rel_error(kernels.max_pool2d(x, kernel, stride, padding),
                     F.max_pool2d(xt, kernel, stride, padding)) == 0
    assert rel_error(kernels.avg_pool2d(x, kernel, stride, padding),
                     F.avg_pool2d(xt, kernel, stride, padding, count_include_pad=True)) <= 1e-5
    assert rel_error(kernels.global_avg_pool2d(x), F.adaptive_avg_pool2d(xt, 1)) <= 1e-5


def test_batch_norm_and_dense():
    rng = np.random.default_rng(0)
    x = draw(rng, 2, 6, 5, 5)
    weight, bias, mean = draw(rng, 6), draw(rng, 6), draw(rng, 6)
    var = rng.uniform(0.1, 3, 6).astype(np.float32)
    ours = kernels.batch_norm2d(x, weight, bias, mean, var, 1e-5)
    theirs = F.batch_norm(*tensors(x, mean, var, weight, bias), training=False, eps=1e-5)
    assert rel_error(ours, theirs) <= 1e-5
    v, w, b = draw(rng, 3, 150), draw(rng, 20, 150), draw(rng, 20)
    assert rel_error(kernels.dense(v, w, b), F.linear(*tensors(v, w, b))) <= 1e-5


def test_activations_and_reshapes():
    x = (np.random.default_rng(1).standard_normal((2, 4, 3, 3)) * 30).astype(np.float32)
    xt = torch.from_numpy(x)
    assert rel_error(kernels.relu(x), F.relu(xt)) == 0
    assert rel_error(kernels.leaky_relu(x, 0.2), F.leaky_relu(xt, 0.2)) <= 1e-6
    assert rel_error(kernels.sigmoid(x), torch.sigmoid(xt)) <= 1e-6
    assert rel_error(kernels.tanh(x), torch.tanh(xt)) <= 1e-6
    assert rel_error(kernels.softmax(x, axis=1), F.softmax(xt, dim=1)) <= 1e-6
    assert rel_error(kernels.flatten(x), torch.flatten(xt, 1)) == 0
    assert rel_error(kernels.upsample_nearest2d(x, (2, 3)), F.interpolate(xt, scale_factor=(2, 3))) == 0


@pytest.mark.parametrize("seed", range(CASES))
def test_avg_pool_leaving_padding_out(seed):
    rng = np.random.default_rng(seed)
    kernel, stride = pair(rng, 1, 5), pair(rng, 1, 4)
    padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
    x = draw(rng, 2, 3, kernel[0] + int(rng.integers(0, 12)), kernel[1] + int(rng.integers(0, 12)))
    ours = kernels.avg_pool2d(x, kernel, stride, padding, count_include_pad=False)
    theirs = F.avg_pool2d(torch.from_numpy(x), kernel, stride, padding, count_include_pad=False)
    assert rel_error(ours, theirs) <= 1e-5


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 12])
def test_local_response_norm(size):
    """Even sizes too: the window holds size // 2 channels before and (size − 1) // 2 after, as in torch."""
    rng = np.random.default_rng(size)
    x = draw(rng, 2, 9, 5, 4) * 3
    for alpha, beta, k in [(1e-4, 0.75, 1.0), (0.5, 1.5, 2.0), (2.0, 0.5, 0.1)]:
        ours = kernels.local_response_norm(x, size, alpha, beta, k)
        theirs = F.local_response_norm(torch.from_numpy(x), size, alpha, beta, k)
        assert rel_error(ours, theirs) <= 1e-5


@pytest.mark.parametrize("groups, channels", [(1, 5), (2, 6), (3, 12), (4, 8), (8, 8)])
def test_channel_shuffle(groups, channels):
    x = draw(np.random.default_rng(groups), 2, channels, 3, 5)
    ours = kernels.channel_shuffle(x, groups)
    theirs = F.channel_shuffle(torch.from_numpy(x), groups)
    assert rel_error(ours, theirs) == 0
