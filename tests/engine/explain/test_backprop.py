"""The numbers the Backprop tab shows, on layer settings the app tests do not reach: strides,
dilation, padding, groups, class scores as C×1×1 maps, and the one-line refusals."""
from __future__ import annotations

import numpy as np
import pytest

from convstudio import init_weights
from convstudio.engine.explain import backprop as bp
from convstudio.errors import ConvStudioError
from convstudio.graph import AddNode, Network, SetParams
from convstudio.io.templates import load_template


def build(*steps) -> Network:
    net = Network("t")
    for i, (kind, nid, params, inputs) in enumerate(steps):
        AddNode(kind, params, (0, 100 * i), nid, inputs).redo(net)
    return net


def conv_net(**conv) -> Network:
    return build(("Input", "image", {"channels": 4, "height": 11, "width": 10}, []),
                 ("Conv2D", "conv", {"filters": 6, "kernel_size": 3, **conv}, ["image"]),
                 ("Flatten", "flat", {}, ["conv"]),
                 ("Dense", "fc", {"units": 3}, ["flat"]))


def a_run(net, target=None) -> bp.GradientRun:
    inp = next(n for n in net if n.decl.is_input).params
    x = np.random.default_rng(3).standard_normal((1, inp["channels"], inp["height"], inp["width"])).astype(np.float32)
    return bp.gradient_run(net, init_weights(net, 2), x, target)


@pytest.mark.parametrize("conv", [{"stride": 2, "padding": 1}, {"dilation": 2, "padding": 2},
                                  {"groups": 2, "padding": [0, 1]}, {"stride": 3}])
def test_conv_weight_gradient_is_the_summed_correlation_and_dx_the_transposed_matrix(conv):
    net = conv_net(**conv)
    r = a_run(net)
    lg = bp.layer_gradient(r, "conv")
    for k, c in [(0, 0), (5, 1)]:
        np.testing.assert_allclose(bp.weight_correlation(lg, r, k, c), lg.dw["weight"][k, c], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(lg.dw["weight"], r.grads.weights["conv"]["weight"], atol=1e-7)
    check = bp.transpose_check(r, "conv")
    assert np.abs(check.engine).max() > 0 and check.difference < 1e-5


def test_target_none_is_the_predicted_class_and_a_target_can_be_chosen():
    net = conv_net()
    r = a_run(net)
    assert r.target == r.predicted == int(np.argmax(r.grads.logits[0]))
    other = a_run(net, (r.predicted + 1) % 3)
    lg = bp.loss_gradient(other)
    assert lg.onehot[other.target] == 1
    np.testing.assert_allclose(lg.engine, lg.formula, atol=1e-6)


def test_class_scores_as_c_by_1_by_1_maps():
    r = a_run(load_template("fcn3"))
    lg = bp.loss_gradient(r)
    assert lg.engine.shape == (3,)
    np.testing.assert_allclose(lg.engine, lg.formula, atol=1e-6)


def test_score_maps_are_refused_in_one_line():
    net = load_template("fcn3")
    SetParams("image", {"height": 128, "width": 128}).redo(net)
    with pytest.raises(ConvStudioError) as info:
        a_run(net)
    assert "\n" not in str(info.value)


def test_pool_window_with_padding_marks_the_first_maximum():
    net = build(("Input", "image", {"channels": 1, "height": 4, "width": 4}, []),
                ("MaxPool2D", "pool", {"kernel_size": 3, "stride": 2, "padding": 1}, ["image"]))
    x = np.array([[[5, 5, 0, 1], [0, 0, 2, 9], [1, 1, 1, 1], [0, 0, 0, 0]]], np.float32)
    pw = bp.pool_window(net, "pool", x, 0, 0, 0)
    assert np.isnan(pw.values[0]).all() and np.isnan(pw.values[:, 0]).all()  # the padding row and column
    assert pw.input_cell(pw.argmax) == (0, 0)  # 5 twice: the first in scan order
    assert pw.input_cell(bp.pool_window(net, "pool", x, 0, 0, 1).argmax) == (1, 3)
    with pytest.raises(ConvStudioError):
        bp.pool_window(net, "pool", x, 0, 2, 0)


def test_one_sgd_step_is_w_minus_lr_times_the_gradient_and_lowers_the_loss():
    net = conv_net(padding=1)
    r = a_run(net)
    step = bp.sgd_step(r, 0.01)
    for nid, arrays in r.grads.weights.items():
        for name, g in arrays.items():
            np.testing.assert_allclose(step.weights[nid][name], r.weights[nid][name] - 0.01 * g, atol=1e-7)
    assert step.loss_after < step.loss_before
    assert set(step.changes) == {"conv", "fc"} and all(v > 0 for v in step.changes.values())
