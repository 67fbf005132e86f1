"""ONNX import: round trips, torch's exporter, hand-made models and clear refusals (skipped without onnx)."""
from __future__ import annotations

import numpy as np
import pytest
from interop_helpers import every_layer, rel_diff, sample_input, template, vivid_weights

from convstudio.engine.execute import run
from convstudio.engine.weights import load_weights
from convstudio.errors import ConvStudioError, FormatError
from convstudio.interop import convert_onnx_file, export_onnx, import_onnx, save_onnx
from convstudio.interop.onnx_support import HINTS_KEY
from convstudio.io import load_network, network_to_dict

onnx = pytest.importorskip("onnx")
import onnx_models  # needs onnx, so imported after the skip


def structure(net):
    return [(d["id"], d["type"], d["params"], d.get("inputs", [])) for d in network_to_dict(net)["layers"]]


def outputs(net, acts):
    return {n.id: acts[n.id] for n in net if not net.consumers(n.id)}


@pytest.mark.parametrize("make", [every_layer, lambda: template("tinyvgg"), lambda: template("resnet18")],
                         ids=["every-layer", "tinyvgg", "resnet18"])
def test_round_trip_gives_the_same_network(tmp_path, make):
    net = make()
    weights = vivid_weights(net, seed=2)
    save_onnx(net, weights, tmp_path / "m.onnx")
    back, back_weights = import_onnx(tmp_path / "m.onnx")
    assert back.name == net.name
    assert structure(back) == structure(net)
    x = sample_input(net)
    ours, theirs = outputs(net, run(net, x, weights)), outputs(back, run(back, x, back_weights))
    assert ours.keys() == theirs.keys()
    for k in ours:
        np.testing.assert_array_equal(theirs[k], ours[k])


def test_round_trip_without_spelling_hints_keeps_the_meaning(tmp_path):
    net = every_layer()
    weights = vivid_weights(net)
    save_onnx(net, weights, tmp_path / "m.onnx")
    model = onnx.load(tmp_path / "m.onnx")
    del model.metadata_props[:]
    onnx.save(model, tmp_path / "plain.onnx")
    back, back_weights = import_onnx(tmp_path / "plain.onnx")
    params = {n.id: n.params for n in back}
    assert params["conv1"]["padding"] == "same"  # asymmetric pads that match "same" read as "same"
    assert params["pool1"]["stride"] == [2, 2]  # the empty stride comes back explicit
    assert [(n.id, n.type, n.inputs) for n in back] == [(n.id, n.type, n.inputs) for n in net]
    x = sample_input(net)
    for k, v in outputs(net, run(net, x, weights)).items():
        np.testing.assert_array_equal(run(back, x, back_weights)[k], v)


def test_hints_that_disagree_with_the_nodes_are_ignored(tmp_path):
    net = every_layer()
    weights = vivid_weights(net)
    model = export_onnx(net, weights)
    prop = next(p for p in model.metadata_props if p.key == HINTS_KEY)
    prop.value = prop.value.replace('"padding":"same"', '"padding":[5,5]')
    onnx.save(model, tmp_path / "m.onnx")
    back, _ = import_onnx(tmp_path / "m.onnx")
    assert back.node("conv1").params["padding"] == "same"


def test_convert_writes_json_and_weights(tmp_path):
    net = template("tinyvgg")
    weights = vivid_weights(net)
    save_onnx(net, weights, tmp_path / "m.onnx")
    convert_onnx_file(tmp_path / "m.onnx", tmp_path / "tiny.json")
    loaded = load_network(tmp_path / "tiny.json")
    assert loaded.weights == "tiny.weights.npz"
    back = load_weights(tmp_path / loaded.weights, loaded)
    assert all(np.array_equal(back[k][n], weights[k][n]) for k in weights for n in weights[k])
    ys = [n.position[1] for n in loaded]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)  # layered layout: a chain goes straight down


def test_handmade_operations_match_onnxruntime(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = onnx_models.handmade()
    onnx.save(model, tmp_path / "h.onnx")
    net, weights = import_onnx(tmp_path / "h.onnx")
    kinds = {n.id: n.type for n in net}
    assert kinds["same_upper"] == "Conv2D" and net.node("same_upper").params["padding"] == "same"
    assert kinds["lopsided_pad"] == "ZeroPad2D" and kinds["lopsided"] == "Conv2D"
    assert kinds["fc1"] == "Dense" and "fc1_bias" not in kinds and "passthrough" not in kinds
    assert net.node("sum3").inputs == ["c3", "grow", "c3"]
    x = np.random.default_rng(1).standard_normal((1, 3, 10, 12)).astype(np.float32)  # sizes fix N at 1
    acts = run(net, x, weights)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    probs, conv2 = session.run(None, {"x": x})
    assert rel_diff(acts["probs"], probs) <= 1e-4 and rel_diff(acts["lopsided"], conv2) <= 1e-4
    assert 0.01 < probs.max() < 0.99  # not saturated, so the comparison means something


def torch_model_file(tmp_path):
    """A small torch model exported by torch's own (TorchScript) exporter, or a skip when that cannot run.

    Without constant folding the BatchNorm stays a node and the padding arithmetic stays in the graph.
    """
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.nn import functional as F

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(8, eps=1e-3)
            self.dw = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8)
            self.pool = nn.MaxPool2d(2)
            self.avg = nn.AvgPool2d(3, stride=1, padding=1)
            self.up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
            self.side = nn.Conv2d(3, 4, 3, stride=2, padding=1)
            self.drop = nn.Dropout(0.2)
            self.head = nn.Linear(8 * 4 * 4, 5)

        def forward(self, x):
            y = F.relu(self.bn(self.stem(x)))
            y = F.leaky_relu(self.dw(y), 0.1) + y
            y = self.up(self.avg(self.pool(y)))
            y = torch.cat([torch.sigmoid(y), torch.tanh(self.side(x))], dim=1)
            y = F.max_pool2d(F.pad(F.interpolate(y, scale_factor=2, mode="nearest"), (0, 1, 2, 0)), 4)
            return torch.softmax(self.head(self.drop(y.view(y.size(0), -1))), dim=1)  # Shape → Reshape

    torch.manual_seed(0)
    model = Small().eval()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-0.5, 0.5)
        model.bn.running_var.uniform_(0.5, 2.0)
    path = tmp_path / "small.onnx"
    try:
        torch.onnx.export(model, torch.zeros(1, 3, 16, 16), path, dynamo=False, opset_version=17,
                          input_names=["image"], dynamic_axes={"image": {0: "N"}}, do_constant_folding=False)
    except Exception as e:  # noqa: BLE001 - any exporter failure means: not testable here
        pytest.skip(f"torch.onnx.export does not work here: {e}")
    return torch, model, path


@pytest.mark.filterwarnings("ignore")
def test_torch_exported_model_matches_torch(tmp_path, record_property):
    torch, model, path = torch_model_file(tmp_path)
    net, weights = import_onnx(path)
    types = [n.type for n in net]
    for t in ("Conv2D", "BatchNorm2D", "ConvTranspose2D", "AvgPool2D", "Upsample2D", "ZeroPad2D", "Concat",
              "Add", "LeakyReLU", "Dense", "Softmax", "Flatten"):
        assert t in types
    assert net.node("stem").params["bias"] is False and net.node("bn").params["eps"] == 0.001
    x = np.random.default_rng(3).standard_normal((2, 3, 16, 16)).astype(np.float32)
    ours = outputs(net, run(net, x, weights))
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    (out,) = ours.values()
    diff = rel_diff(out, theirs)
    record_property("max_rel_diff", diff)
    assert diff <= 1e-4


def test_unsupported_operation_is_named(tmp_path):
    onnx.save(onnx_models.single("Elu", name="foo"), tmp_path / "m.onnx")
    with pytest.raises(ConvStudioError) as e:
        import_onnx(tmp_path / "m.onnx")
    assert str(e.value) == "node 'foo' uses Elu, which ConvStudio has no layer for"


def test_settings_a_layer_cannot_express_are_explained(tmp_path):
    onnx.save(onnx_models.single("MaxPool", name="pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
              tmp_path / "m.onnx")
    with pytest.raises(ConvStudioError, match=r"node 'pool' \(MaxPool\): rounds the output size up"):
        import_onnx(tmp_path / "m.onnx")


@pytest.mark.parametrize("content", [b"", b"\x00garbage\xff" * 50, "truncated"], ids=["empty", "garbage", "truncated"])
def test_unreadable_files_are_refused(tmp_path, content):
    if content == "truncated":
        net = template("tinyvgg")
        save_onnx(net, vivid_weights(net), tmp_path / "whole.onnx")
        content = (tmp_path / "whole.onnx").read_bytes()[:5000]
    (tmp_path / "bad.onnx").write_bytes(content)
    with pytest.raises(FormatError, match=r"bad.onnx: not (a readable|an) ONNX model"):
        import_onnx(tmp_path / "bad.onnx")
    with pytest.raises(FormatError, match="no such file"):
        import_onnx(tmp_path / "missing.onnx")


def test_a_network_json_given_by_mistake_is_refused_with_a_hint(tmp_path):
    from convstudio.io import save_network

    save_network(template("tinyvgg"), tmp_path / "tv.json")  # a .json suffix made onnx parse it as text
    with pytest.raises(FormatError, match=r"tv.json: not a readable ONNX model .*it looks like JSON"):
        import_onnx(tmp_path / "tv.json")


def test_failed_conversion_writes_nothing(tmp_path):
    onnx.save(onnx_models.single("Elu"), tmp_path / "m.onnx")
    with pytest.raises(ConvStudioError):
        convert_onnx_file(tmp_path / "m.onnx", tmp_path / "net.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_an_even_lrn_window_is_refused(tmp_path):
    """ONNX centres an even window one channel later than torch.nn.LocalResponseNorm."""
    onnx.save(onnx_models.single("LRN", name="norm", size=4), tmp_path / "m.onnx")
    with pytest.raises(ConvStudioError, match=r"node 'norm' \(LRN\): sums over an even number of channels \(4\)"):
        import_onnx(tmp_path / "m.onnx")


def test_an_lrn_of_odd_size_imports_with_its_settings(tmp_path):
    onnx.save(onnx_models.single("LRN", name="norm", size=3, alpha=0.5, beta=0.25, bias=2.0), tmp_path / "m.onnx")
    net, _ = import_onnx(tmp_path / "m.onnx")
    assert (net.node("norm").type, net.node("norm").params) == (
        "LocalResponseNorm", {"size": 3, "alpha": 0.5, "beta": 0.25, "k": 2.0})


def test_a_product_that_is_no_batch_norm_scale_is_refused(tmp_path):
    init = {"w": np.ones((2, 1, 3, 3), np.float32), "s": np.full((1, 2, 1, 1), 3, np.float32)}
    nodes = [onnx.helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             onnx.helper.make_node("Mul", ["c", "s"], ["y"], name="scale")]
    model = onnx_models.model(nodes, [onnx_models.image("x", 1, 8, 8)], [onnx_models.result("y")], init)
    onnx.save(model, tmp_path / "m.onnx")
    with pytest.raises(ConvStudioError, match=r"node 'scale' \(Mul\): multiplies tensors; ConvStudio folds only"):
        import_onnx(tmp_path / "m.onnx")


def test_an_lrn_of_even_size_is_not_exported(tmp_path):
    from convstudio.graph import AddNode, Network

    net = Network("even")
    AddNode("Input", {"channels": 4, "height": 3, "width": 3}, node_id="image").redo(net)
    AddNode("LocalResponseNorm", {"size": 4}, node_id="lrn", inputs=["image"]).redo(net)
    with pytest.raises(ConvStudioError, match="lrn: ONNX's LRN centres a window of even size 4"):
        export_onnx(net, {})


def test_an_opset_11_softmax_over_flattened_maps_is_explained_without_contradiction(tmp_path):
    nodes = [onnx.helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             onnx.helper.make_node("Softmax", ["c"], ["y"], name="sm", axis=1)]
    m = onnx_models.model(nodes, [onnx_models.image("x", 1, 8, 8)], [onnx_models.result("y")],
                          {"w": np.ones((2, 1, 3, 3), np.float32)}, opset=11)
    onnx.save(m, tmp_path / "m.onnx")
    with pytest.raises(ConvStudioError) as e:
        import_onnx(tmp_path / "m.onnx")
    message = str(e.value)
    assert "(opset 11) flattens the 2×6×6 values from axis 1 on into one axis" in message
    assert "over axis 1 of" not in message


# -- damaged or hostile models: one clear line each -------------------------------------------------
def refusal_of(tmp_path, m, save=True) -> str:
    path = tmp_path / "m.onnx"
    if save:
        onnx.save(m, path)
    with pytest.raises(ConvStudioError) as e:
        import_onnx(path)
    assert "\n" not in str(e.value) and len(str(e.value)) < 400
    return str(e.value)


def unchecked(nodes, inputs, outputs, initializers, opset=17):
    graph = onnx.helper.make_graph(nodes, "g", inputs, outputs, initializers)
    m = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


@pytest.mark.parametrize("op,attrs", [("Conv", {"auto_pad": "SAME_UPPER", "strides": [0, 1]}),
                                      ("MaxPool", {"kernel_shape": [2, 2], "strides": [0, 0], "ceil_mode": 1}),
                                      ("MaxPool", {"kernel_shape": [2, 2], "strides": [1, 0], "auto_pad": "SAME_LOWER"})])
def test_a_stride_of_zero_is_refused(tmp_path, op, attrs):
    w = onnx.numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
    node = onnx.helper.make_node(op, ["x", "w"] if op == "Conv" else ["x"], ["y"], name="n", **attrs)
    m = unchecked([node], [onnx_models.image("x", 1, 8, 8)], [onnx_models.result("y")], [w])
    assert "each must be at least 1" in refusal_of(tmp_path, m)


def test_an_initializer_whose_data_does_not_match_its_shape(tmp_path):
    w = onnx.numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
    w.raw_data = b"\x00" * 100  # more than the shape needs: the checker only notices too little
    node = onnx.helper.make_node("Conv", ["x", "w"], ["y"], name="n")
    m = unchecked([node], [onnx_models.image("x", 1, 8, 8)], [onnx_models.result("y")], [w])
    assert "initializer 'w' declares 2×1×3×3 values of 4 bytes but holds 100 bytes" in refusal_of(tmp_path, m)


def test_an_initializer_of_an_unknown_data_type(tmp_path):
    w = onnx.numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
    w.data_type = 99
    node = onnx.helper.make_node("Conv", ["x", "w"], ["y"], name="n")
    m = unchecked([node], [onnx_models.image("x", 1, 8, 8)], [onnx_models.result("y")], [w])
    refusal_of(tmp_path, m)


def test_invalid_utf8_in_the_model_is_refused(tmp_path):
    m = onnx_models.single("Relu", name="BADNAME")
    data = onnx._serialize(m) if hasattr(onnx, "_serialize") else m.SerializeToString()
    (tmp_path / "m.onnx").write_bytes(data.replace(b"BADNAME", b"BAD\xff\xfeME"))
    refusal_of(tmp_path, None, save=False)


def test_deeply_nested_hints_are_ignored(tmp_path):
    from convstudio.interop.onnx_support import HINTS_KEY

    m = onnx_models.single("Relu", name="r")
    onnx.helper.set_model_props(m, {HINTS_KEY: "[" * 100_000 + "]" * 100_000})
    onnx.save(m, tmp_path / "m.onnx")
    net, _ = import_onnx(tmp_path / "m.onnx")
    assert len(net) == 3


def test_an_input_beyond_the_input_layer_s_limits(tmp_path):
    m = onnx_models.single("Relu", name="r")
    m.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 100_000
    message = refusal_of(tmp_path, m)
    assert "which the Input layer cannot take" in message and "16384" in message
