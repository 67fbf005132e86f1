"""Fully connected layers turned into the convolutions they equal (fc_to_conv and the FcToConv command)."""
from __future__ import annotations

import numpy as np
import pytest

from convstudio import infer, init_weights, run
from convstudio.engine.transforms import FcToConv, fc_to_conv, output_difference, plan_fc_to_conv
from convstudio.errors import ConvStudioError
from convstudio.graph import AddNode, Network, UndoStack
from convstudio.io import dumps, loads
from convstudio.io.templates import load_template

DIFFERENCES: dict[str, tuple[float, float]] = {}


def build(*layers_) -> Network:
    net = Network("test")
    stack = UndoStack(net)
    for i, (nid, kind, params, inputs) in enumerate(layers_):
        stack.push(AddNode(kind, params, (10 * i, 100 * i), nid, inputs))
    return net


def small_classifier() -> Network:
    return build(("image", "Input", {"channels": 3, "height": 12, "width": 10}, []),
                 ("conv", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": 1}, ["image"]),
                 ("relu", "ReLU", {}, ["conv"]),
                 ("pool", "MaxPool2D", {"kernel_size": 2}, ["relu"]),
                 ("flatten", "Flatten", {}, ["pool"]),
                 ("fc1", "Dense", {"units": 7}, ["flatten"]),
                 ("act1", "LeakyReLU", {}, ["fc1"]),
                 ("drop", "Dropout", {}, ["act1"]),
                 ("fc2", "Dense", {"units": 5, "bias": False}, ["drop"]),
                 ("probs", "Softmax", {}, ["fc2"]))


def check_same_outputs(name, net, seed=0, batch=2, rel=1e-5):
    weights = init_weights(net, seed)
    new, new_weights = fc_to_conv(net, weights)
    shape = infer(net).nodes[infer(net).inputs[0]].shape
    x = np.random.default_rng(seed).standard_normal((batch, *shape)).astype(np.float32)
    worst, relative = output_difference(net, new, weights, new_weights, x)
    DIFFERENCES[name] = (worst, relative)
    print(f"{name}: max |difference| {worst:.3g}, relative {relative:.3g}")
    assert relative <= rel
    return new, new_weights


def test_small_network_converts_exactly():
    net = small_classifier()
    before = dumps(net)
    new, new_weights = check_same_outputs("small", net)
    assert dumps(net) == before  # the original is untouched
    assert "flatten" not in new and new.ids() == [i for i in net.ids() if i != "flatten"]
    fc1, fc2 = new.node("fc1"), new.node("fc2")
    assert (fc1.type, fc1.params["filters"], fc1.params["kernel_size"]) == ("Conv2D", 7, [6, 5])
    assert (fc2.type, fc2.params["kernel_size"], fc2.params["bias"]) == ("Conv2D", [1, 1], False)
    assert new.node("act1").inputs == ["fc1"] and fc1.inputs == ["pool"]
    assert all(new.node(i).position == net.node(i).position for i in new.ids())
    assert new.node("probs").type == "Softmax"
    old_w = init_weights(net, 0)
    np.testing.assert_array_equal(new_weights["fc1"]["weight"], old_w["fc1"]["weight"].reshape(7, 4, 6, 5))
    assert new_weights["fc2"]["weight"].shape == (5, 7, 1, 1)
    a, b = infer(net), infer(new)
    assert {i: a.nodes[i].params for i in new.ids()} == {i: b.nodes[i].params for i in new.ids()}
    assert b.nodes["probs"].shape == (5, 1, 1)
    assert loads(dumps(new)).ids() == new.ids()


def test_weights_follow_flatten_c_order():
    """A Dense weight column c·H·W + y·W + x multiplies the map's (c, y, x): one hot input picks it out."""
    net = build(("image", "Input", {"channels": 2, "height": 3, "width": 4}, []),
                ("flatten", "Flatten", {}, ["image"]),
                ("fc", "Dense", {"units": 24, "bias": False}, ["flatten"]))
    weights = {"fc": {"weight": np.eye(24, dtype=np.float32)}}
    new, new_weights = fc_to_conv(net, weights)
    x = np.zeros((1, 2, 3, 4), np.float32)
    x[0, 1, 2, 3] = 1
    out = run(new, x, new_weights)["fc"]
    assert out.shape == (1, 24, 1, 1) and out[0, 1 * 12 + 2 * 4 + 3, 0, 0] == 1 and out.sum() == 1


def test_without_weights_only_the_network():
    new, weights = fc_to_conv(load_template("lenet5"))
    assert weights is None and new.node("fc1").params["kernel_size"] == [5, 5]
    assert infer(new).total_params == infer(load_template("lenet5")).total_params == 61_706


def test_command_undo_redo():
    net = small_classifier()
    weights = init_weights(net, 0)
    x = np.random.default_rng(3).standard_normal((1, 3, 12, 10)).astype(np.float32)
    expected = run(net, x, weights)["probs"]
    before = dumps(net)
    stack = UndoStack(net)
    heard = []
    net.changed.connect(heard.append)
    cmd = stack.push(FcToConv())
    assert heard and "flatten" in heard[-1].ids
    converted = dumps(net)
    from convstudio.engine.transforms import convert_fc_weights

    got = run(net, x, convert_fc_weights(cmd.plan, weights))["probs"]
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-5, atol=1e-7)
    assert stack.undo_text == FcToConv.text
    stack.undo()
    assert dumps(net) == before
    stack.redo()
    assert dumps(net) == converted
    stack.undo()
    assert dumps(net) == before


def test_templates_lenet_and_alexnet():
    check_same_outputs("lenet5", load_template("lenet5"))
    new, _ = check_same_outputs("alexnet", load_template("alexnet"), batch=1)
    assert new.node("fc6").params["kernel_size"] == [6, 6]  # AlexNet's Flatten sits after Dropout-free pool


def test_fcn_template_has_nothing_to_convert():
    with pytest.raises(ConvStudioError, match="nothing to convert: FCN-3 has no Dense"):
        fc_to_conv(load_template("fcn3"))


@pytest.mark.parametrize("layers_, message", [
    ([("a", "Dense", {"units": 4}, ["flatten"]), ("b", "Dense", {"units": 4}, ["flatten"]),
      ("cat", "Concat", {}, ["a", "b"]), ("c", "Dense", {"units": 2}, ["cat"])],
     r"cannot convert c: it reads cat \(Concat\)"),
    ([("fc", "Dense", {"units": 4}, ["flatten"]), ("other", "ReLU", {}, ["flatten"])],
     "cannot remove flatten: other gives its flat output as a network result"),
    ([("fc", "Dense", {"units": 4}, ["flatten"]), ("join", "Concat", {}, ["flatten", "fc"])],
     r"cannot remove flatten: join \(Concat\) also uses its flat output"),
    ([("soft", "Softmax", {}, ["flatten"]), ("fc", "Dense", {"units": 4}, ["soft"])],
     "soft normalises all C·H·W values"),
    ([("fc", "Dense", {"units": 18}, ["flatten"]), ("plus", "Add", {}, ["fc", "flatten"])],
     r"cannot remove flatten: plus \(Add\) also uses its flat output"),
])
def test_unconvertible_networks_are_refused_clearly(layers_, message):
    net = build(("image", "Input", {"channels": 2, "height": 3, "width": 3}, []),
                ("flatten", "Flatten", {}, ["image"]), *layers_)
    before = dumps(net)
    with pytest.raises(ConvStudioError, match=message):
        fc_to_conv(net)
    stack = UndoStack(net)
    with pytest.raises(ConvStudioError):
        stack.push(FcToConv())
    assert dumps(net) == before and not stack.can_undo


def test_network_with_errors_is_refused():
    net = build(("image", "Input", {"channels": 2, "height": 3, "width": 3}, []),
                ("fc", "Dense", {"units": 4}, ["image"]))
    with pytest.raises(ConvStudioError, match="cannot convert: fc: expects a flat input"):
        fc_to_conv(net)


def test_dense_after_flatten_of_a_dense_becomes_1x1():
    net = build(("image", "Input", {"channels": 2, "height": 4, "width": 4}, []),
                ("flatten", "Flatten", {}, ["image"]),
                ("fc1", "Dense", {"units": 6}, ["flatten"]),
                ("again", "Flatten", {}, ["fc1"]),
                ("fc2", "Dense", {"units": 3}, ["again"]))
    plan = plan_fc_to_conv(net)
    assert plan.flattens == ("flatten", "again")
    assert [(d.kernel, d.channels) for d in plan.denses] == [((4, 4), 2), ((1, 1), 6)]
    check_same_outputs("flatten-after-dense", net)


def test_vgg16_infers_score_maps_at_384():
    vgg, _ = fc_to_conv(load_template("vgg16"))
    assert infer(vgg, input_shape=(3, 384, 384)).nodes["fc8"].shape == (1000, 6, 6)
    dense = infer(load_template("vgg16"), input_shape=(3, 384, 384)).nodes["fc6"]
    assert dense.input_shapes == [(512 * 12 * 12,)]  # the Dense version would need another fc6 weight


@pytest.mark.slow
def test_vgg16_converted_gives_the_same_outputs():
    original = load_template("vgg16")
    new, _ = check_same_outputs("vgg16", original, batch=1)
    report = infer(new)
    fc6, fc7, fc8 = (new.node(i).params for i in ("fc6", "fc7", "fc8"))
    assert (fc6["kernel_size"], fc6["filters"], report.nodes["fc6"].params) == ([7, 7], 4096, 102_764_544)
    assert (fc7["kernel_size"], fc7["filters"], report.nodes["fc7"].params) == ([1, 1], 4096, 16_781_312)
    assert (fc8["kernel_size"], fc8["filters"], report.nodes["fc8"].params) == ([1, 1], 1000, 4_097_000)
    assert report.total_params == infer(original).total_params == 138_357_544
    assert report.nodes["fc8"].shape == (1000, 1, 1)
