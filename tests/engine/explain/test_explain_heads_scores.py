"""VGG-16's head against a one-step classifier, and class score maps of fully convolutional networks."""
from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine.explain import compare_heads, network_head, score_maps
from convstudio.errors import ConvStudioError
from convstudio.io.templates import load_template
from tests.engine.explain.explain_nets import build


def test_vgg_head_against_one_step():
    cmp = compare_heads()  # VGG-16: 512×7×7 → 4096 → 4096 → 1000
    assert (cmp.direct.params, cmp.direct.macs) == (25_088 * 1000 + 1000, 25_088 * 1000)
    assert [h.params for h in cmp.head] == [102_764_544, 16_781_312, 4_097_000]  # REFERENCE.md fc6, fc7, fc8
    assert cmp.head_params == 138_357_544 - 14_714_688  # VGG-16 total minus its convolutions
    assert cmp.head_macs == 25_088 * 4096 + 4096 * 4096 + 4096 * 1000
    text = " ".join(cmp.reasons)
    assert "linear" in text and "4,096" in text and "1,000" in text and "ImageNet" in text
    assert f"{cmp.head_params:,}" in text and f"{cmp.direct.params:,}" in text


def test_head_read_from_networks():
    assert network_head(load_template("vgg16")) == ((512, 7, 7), (4096, 4096), 1000)
    assert network_head(load_template("lenet5")) == ((16, 5, 5), (120, 84), 10)
    one = compare_heads((16, 5, 5), (), 10)
    assert one.head == (one.direct,) and len(one.reasons) == 2


def test_network_without_a_head():
    with pytest.raises(ConvStudioError, match="nothing to convert"):
        network_head(load_template("fcn3"))


def test_score_maps_over_locations():
    rng = np.random.default_rng(0)
    act = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    maps = score_maps(act)
    assert maps.classes == 3 and maps.map_size == (4, 5)
    np.testing.assert_allclose(maps.probabilities.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(maps.best, act.argmax(axis=1))
    np.testing.assert_array_equal(maps.probabilities.argmax(axis=1), maps.best)
    ranked = maps.ranking(1, 2, 3)
    assert [r.index for r in ranked] == list(np.argsort(-act[1, :, 2, 3]))
    assert ranked[0].score == pytest.approx(float(act[1, :, 2, 3].max()))


def test_one_by_one_output_is_a_bar_chart():
    scores = np.array([[0.5, 2.0, -1.0]], dtype=np.float32)  # a network ending in 3×1×1: dog, cat, horse
    bars = score_maps(scores[:, :, None, None]).ranking(labels=["dog", "cat", "horse"])
    assert [b.label for b in bars] == ["cat", "dog", "horse"]
    e = np.exp(scores[0] - scores[0].max())
    assert [b.probability for b in bars] == pytest.approx(list(np.sort(e / e.sum())[::-1]), rel=1e-6)
    assert score_maps(scores).ranking(top=1)[0].index == 1  # a flat (N, classes) output works too


def test_softmax_outputs_are_not_softmaxed_twice():
    probs = np.array([[[[0.7]], [[0.2]], [[0.1]]]], dtype=np.float32)
    assert score_maps(probs, probabilities=True).ranking()[0].probability == pytest.approx(0.7)
    with pytest.raises(ConvStudioError, match="N×classes"):
        score_maps(np.zeros((2, 3, 4)))


def test_small_fully_convolutional_network_classifies_with_1x1x3():
    from convstudio import init_weights, run

    net = build(("image", "Input", {"channels": 1, "height": 6, "width": 6}, []),
                ("features", "Conv2D", {"filters": 4, "kernel_size": 3}, ["image"]),
                ("scores", "Conv2D", {"filters": 3, "kernel_size": 4}, ["features"]))
    acts = run(net, np.ones((1, 1, 6, 6), np.float32), init_weights(net))
    assert acts["scores"].shape == (1, 3, 1, 1)
    assert len(score_maps(acts["scores"]).ranking()) == 3
