"""Parameter sharing: the convolution as a dense matrix, its counts, and its transpose."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convstudio import infer, layers
from convstudio.engine.explain import (conv_config, conv_difference, node_config, sharing_counts, sharing_matrix,
                                       too_big, transpose_difference)
from convstudio.errors import ConvStudioError, ResourceLimitError
from convstudio.graph import coerce_params
from tests.engine.explain.explain_nets import build, conv


def test_reference_3x3_kernel_on_4x4_input():
    cfg = conv_config(1, 1, 4, 4, 3)
    m = sharing_matrix(cfg)
    assert m.index.shape == (4, 16)
    counts = m.counts()
    assert (counts.nonzeros, counts.distinct, counts.weights, counts.dense) == (36, 9, 9, 64)
    weight = np.random.default_rng(0).standard_normal((1, 1, 3, 3)).astype(np.float32)
    values = m.values(weight)
    assert np.unique(values[values != 0]).size == 9
    assert ((values != 0).sum(axis=1) == 9).all()
    closed = sharing_counts(cfg)
    assert (closed.nonzeros, closed.distinct, closed.dense, closed.shape) == (36, 9, 64, (4, 16))
    assert closed.copies.tolist() == [[4] * 3] * 3 and closed.reuse == 4


@st.composite
def configs(draw):
    groups = draw(st.integers(1, 3))
    c, k = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(2))
    span = [dilation[a] * (kernel[a] - 1) + 1 - sum(padding[a]) for a in (0, 1)]
    h, w = max(1, span[0]) + draw(st.integers(0, 5)), max(1, span[1]) + draw(st.integers(0, 5))
    return conv_config(c, k, h, w, kernel, stride, padding, dilation, groups)


@given(configs(), st.integers(0, 2**31 - 1))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_matrix_is_the_convolution_and_its_transpose_the_transposed_one(cfg, seed):
    rng = np.random.default_rng(seed)
    m = sharing_matrix(cfg)
    built, closed = m.counts(), sharing_counts(cfg)
    for name in ("weights", "distinct", "nonzeros", "dense", "shape"):
        assert getattr(built, name) == getattr(closed, name), name
    np.testing.assert_array_equal(built.copies, closed.copies)
    weight = rng.standard_normal(cfg.weight_shape).astype(np.float32)
    x = rng.standard_normal((cfg.channels, cfg.height, cfg.width)).astype(np.float32)
    assert conv_difference(m, weight, x) < 1e-4
    y = rng.standard_normal((cfg.filters, *cfg.output)).astype(np.float32)
    assert transpose_difference(m, weight, y) < 1e-4


def test_every_weight_is_reused_and_padding_only_taps_drop_out():
    cfg = conv_config(1, 1, 1, 1, 3, padding=1)  # a 1×1 image: only the centre tap ever sees it
    counts = sharing_counts(cfg)
    assert (counts.weights, counts.distinct, counts.nonzeros) == (9, 1, 1)
    assert sharing_matrix(cfg).counts().distinct == 1


def test_unpadded_nonzeros_are_the_layers_macs():
    net = build(("image", "Input", {"channels": 4, "height": 11, "width": 9}, []),
                ("conv", "Conv2D", conv(6, [3, 2], [2, 1], 0, [1, 2], 2), ["image"]))
    report = infer(net)
    cfg = node_config(net, "conv", report)
    assert cfg.weight_shape == tuple(layers.get("Conv2D").weight_shapes(
        net.node("conv").params, report.nodes["conv"].input_shapes)["weight"])
    assert sharing_counts(cfg).nonzeros == report.nodes["conv"].macs


def test_same_padding_node():
    net = build(("image", "Input", {"channels": 2, "height": 5, "width": 5}, []),
                ("conv", "Conv2D", conv(3, 4, 2, "same"), ["image"]))
    cfg = node_config(net, "conv")
    assert cfg.padding == ((1, 2), (1, 2)) and cfg.output == (3, 3)
    m = sharing_matrix(cfg)
    w = np.random.default_rng(2).standard_normal(cfg.weight_shape).astype(np.float32)
    assert conv_difference(m, w, np.ones((2, 5, 5), np.float32)) < 1e-4


def test_big_layers_get_counts_only():
    vgg_conv1 = conv_config(3, 64, 224, 224, 3, padding=1)
    assert too_big(vgg_conv1) and not too_big(conv_config(1, 1, 4, 4, 3))
    with pytest.raises(ResourceLimitError, match="counts only"):
        sharing_matrix(vgg_conv1)
    counts = sharing_counts(vgg_conv1)
    per_axis = 223 + 224 + 223  # each of the 3 taps, over the 224 positions that keep it on the image
    assert counts.nonzeros == 64 * 3 * per_axis ** 2
    assert counts.distinct == counts.weights == 1728
    assert counts.dense == (64 * 224 * 224) * (3 * 224 * 224)
    decl = layers.get("Conv2D")
    params = coerce_params("Conv2D", conv(64, 3, 1, 1))
    assert counts.nonzeros < decl.macs(params, [(3, 224, 224)], (64, 224, 224))  # padding taps are not weights


def test_bad_configs_and_nodes():
    with pytest.raises(ConvStudioError, match="groups"):
        conv_config(3, 4, 5, 5, 3, groups=2)
    with pytest.raises(ConvStudioError, match="does not fit"):
        conv_config(1, 1, 2, 2, 3)
    net = build(("image", "Input", {"channels": 1, "height": 4, "width": 4}, []),
                ("pool", "MaxPool2D", {}, ["image"]))
    with pytest.raises(ConvStudioError, match="Conv2D"):
        node_config(net, "pool")
