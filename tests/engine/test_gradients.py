"""Whole-network backpropagation: gradients() against torch.autograd through the exported module."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from convstudio.engine.execute import run
from convstudio.engine.gradients import gradients, output_node
from convstudio.engine.weights import init_weights, save_weights
from convstudio.errors import ConvStudioError, ResourceLimitError
from convstudio.interop.names import class_name, python_names
from convstudio.interop.pytorch_export import export_pytorch

sys.path.insert(0, str(Path(__file__).parents[1] / "interop"))
from interop_helpers import EVERY_LAYER, build, sample_input, template, vivid_weights  # noqa: E402


def no_dropout():
    """Every layer type, with Dropout at rate 0 so both sides compute the same function."""
    spec = [(i, t, {**p, "rate": 0.0} if t == "Dropout" else p, ins) for i, t, p, ins in EVERY_LAYER
            if t != "Softmax" or i != "softmap"]
    return build(spec)


def test_gradients_shapes_and_loss():
    net = template("tinyvgg")
    x = sample_input(net, batch=3)
    g = gradients(net, x, np.array([0, 1, 2]), init_weights(net, 0))
    acts = run(net, x, init_weights(net, 0))
    assert set(g.outputs) == set(acts)
    for nid, grad in g.outputs.items():
        assert grad.shape == acts[nid].shape and grad.dtype == np.float32
    assert g.loss > 0 and np.isfinite(g.loss)
    weights = init_weights(net, 0)
    assert {k: set(v) for k, v in g.weights.items()} == {k: set(v) for k, v in weights.items()}


def test_same_seed_same_gradients_bit_for_bit():
    net = no_dropout()
    x, w = sample_input(net, batch=2), vivid_weights(net)
    a = gradients(net, x, np.array([1, 3]), w, seed=4)
    b = gradients(net, x, np.array([1, 3]), w, seed=4)
    assert a.loss == b.loss
    for nid in a.weights:
        for name in a.weights[nid]:
            assert np.array_equal(a.weights[nid][name], b.weights[nid][name])


def test_one_output_is_required():
    net = build([("image", "Input", {"channels": 1, "height": 4, "width": 4}, []),
                 ("a", "ReLU", {}, ["image"]), ("b", "Tanh", {}, ["image"])])
    with pytest.raises(ConvStudioError, match="exactly one output layer, the network has 2 \\(a, b\\)"):
        output_node(net)


def test_memory_refused_with_sizes():
    net = template("vgg16")
    with pytest.raises(ResourceLimitError, match="a training step needs about .* for a batch of 2"):
        gradients(net, np.zeros((2, 3, 224, 224), np.float32), np.array([0, 1]), {}, memory_limit=1 << 20)


def test_unknown_loss():
    net = template("tinyvgg")
    with pytest.raises(ConvStudioError, match="unknown loss 'hinge'"):
        gradients(net, sample_input(net), np.array([0, 1]), loss="hinge")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_model(tmp_path, net, weights):
    path = tmp_path / "net.py"
    path.write_text(export_pytorch(net))
    spec = importlib.util.spec_from_file_location("grad_net", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    save_weights(tmp_path / "w.npz", weights)
    return getattr(module, class_name(net.name))().load_npz(tmp_path / "w.npz"), python_names(list(net.ids()))


@pytest.mark.parametrize("make", [no_dropout, lambda: template("tinyvgg"), lambda: template("lenet5")],
                         ids=["every-layer", "tinyvgg", "lenet5"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_gradients_equal_torch_autograd(tmp_path, make, training, torch):
    net = make()
    weights = vivid_weights(net, seed=7)
    model, names = torch_model(tmp_path, net, weights)
    model.train(training)
    x = sample_input(net, batch=3)
    labels = np.array([1, 0, 2])
    ours = gradients(net, x, labels, weights, training=training)
    tx = torch.tensor(x, requires_grad=True)
    out = model(tx)
    logits = out.flatten(1)
    if net.node(output_node(net)).type == "Softmax":
        logits = torch.log(logits)  # cross-entropy on probabilities = NLL of their log
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
    loss.backward()
    assert ours.loss == pytest.approx(loss.item(), rel=1e-4)
    input_id = next(n.id for n in net if n.type == "Input")
    np.testing.assert_allclose(ours.outputs[input_id], tx.grad.numpy(), rtol=2e-3, atol=1e-6)
    for nid, grads in ours.weights.items():
        module = getattr(model, names[nid])
        for name, grad in grads.items():
            theirs = getattr(module, name).grad.numpy()
            scale = max(np.abs(theirs).max(), 1e-6)
            assert np.abs(grad - theirs).max() / scale < 2e-3, f"{nid}/{name}"
    if training:
        for nid, new in ours.updates.items():
            module = getattr(model, names[nid])
            np.testing.assert_allclose(new["running_mean"], module.running_mean.numpy(), rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(new["running_var"], module.running_var.numpy(), rtol=1e-4, atol=1e-6)


def test_the_image_gradient_can_be_skipped_and_nothing_else_changes():
    net = template("tinyvgg")
    x, w = sample_input(net, batch=2), init_weights(net, 0)
    full = gradients(net, x, np.array([0, 2]), w)
    lean = gradients(net, x, np.array([0, 2]), w, input_gradient=False)
    assert "image" in full.outputs and "image" not in lean.outputs
    for nid in full.weights:
        for name in full.weights[nid]:
            assert np.array_equal(full.weights[nid][name], lean.weights[nid][name])
