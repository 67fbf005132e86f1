"""The bundled template networks: they load, they match the published figures, and PyTorch agrees."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convstudio import layers, load_network
from convstudio.engine.infer import infer
from convstudio.graph import AddNode, Connect, Macro, Network, RemoveNodes, UndoStack
from convstudio.graph.examples import every_type_network
from convstudio.io import dumps, loads
from convstudio.io.resource_dir import resource_dir
from convstudio.io.templates import DEFAULT, load_template, open_source, template_names
from convstudio.layers.conv import conv_pads

ROOT = Path(__file__).resolve().parent.parent
FOLDER = resource_dir("networks")
EXPECTED = {"alexnet", "fcn3", "lenet5", "resnet18", "tinyvgg", "vgg16"}


def make_templates_module():
    spec = importlib.util.spec_from_file_location("make_templates", ROOT / "tools" / "make_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report_of(name: str, input_shape=None):
    return infer(load_template(name), input_shape=input_shape)


# -- every template ----------------------------------------------------------------------------
def test_the_expected_templates_are_bundled():
    assert set(template_names()) == EXPECTED
    assert DEFAULT in EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_template_loads_without_errors_and_round_trips_byte_for_byte(name):
    text = (FOLDER / f"{name}.json").read_text(encoding="utf-8")
    net = load_template(name)
    assert dumps(net) == text
    assert dumps(load_network(FOLDER / f"{name}.json")) == text
    report = infer(net)
    assert report.errors == []
    assert all(r.ok for r in report.nodes.values())
    assert len(report.inputs) == 1 and len(report.outputs) == 1
    assert "Why the numbers" in net.description or "How:" in net.description


def test_templates_are_what_the_generator_writes():
    """`python tools/make_templates.py` rebuilds them through the edit commands; nothing edited by hand."""
    stale = [str(p) for p, text in make_templates_module().expected_files().items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert stale == []


def test_unknown_template_lists_the_known_ones():
    from convstudio.errors import FormatError

    with pytest.raises(FormatError) as e:
        open_source("template:vgg19")
    assert str(e.value) == f"no template 'vgg19'; templates: {', '.join(sorted(EXPECTED))}"


def test_each_load_is_a_fresh_copy():
    a, b = load_template("lenet5"), load_template("lenet5")
    UndoStack(a).push(RemoveNodes(["fc3"]))
    assert "fc3" in b


# -- the default network -----------------------------------------------------------------------
def test_default_is_tinyvgg_and_small():
    net = load_template(DEFAULT)
    report = infer(net)
    assert net.name == "TinyVGG"
    assert report.nodes["image"].shape == (3, 64, 64)
    assert report.nodes[report.outputs[0]].shape == (3,)
    assert report.total_params == 8_083
    assert report.total_macs < 10_000_000
    assert not report.warnings


# -- published figures (REFERENCE.md) ----------------------------------------------------------
def test_lenet5():
    r = report_of("lenet5")
    assert r.total_params == 61_706
    assert r.total_macs == 416_520
    assert [r.nodes[i].params for i in ("conv1", "conv2", "fc1", "fc2", "fc3")] == [156, 2_416, 48_120, 10_164, 850]
    assert r.nodes["pool2"].shape == (16, 5, 5) and r.nodes["flatten"].shape == (400,)


def test_vgg16():
    net = load_template("vgg16")
    r = infer(net)
    assert r.total_params == 138_357_544
    assert r.total_macs == 15_470_264_320
    assert (r.nodes["fc6"].params, r.nodes["fc7"].params, r.nodes["fc8"].params) == (102_764_544, 16_781_312, 4_097_000)
    convs = [n.id for n in net if n.type == "Conv2D"]
    assert convs == [f"conv{b}_{i}" for b, n in enumerate((2, 2, 3, 3, 3), 1) for i in range(1, n + 1)]
    assert sum(r.nodes[i].params for i in convs) == 14_714_688
    assert [n.id for n in net if n.type == "MaxPool2D"] == [f"pool{b}" for b in range(1, 6)]
    assert [r.nodes[f"pool{b}"].shape[1] for b in range(1, 6)] == [112, 56, 28, 14, 7]
    assert r.nodes["pool5"].shape == (512, 7, 7) and r.nodes["flatten"].shape == (25_088,)


def test_alexnet():
    r = report_of("alexnet")
    assert r.total_params == 61_100_840
    assert r.nodes["conv1"].shape == (64, 55, 55)
    assert r.nodes["pool5"].shape == (256, 6, 6)
    assert r.nodes["fc6"].params == 9_216 * 4_096 + 4_096
    assert not r.warnings  # the unvisited column of conv1 is padding only


def test_resnet18():
    net = load_template("resnet18")
    r = infer(net)
    assert r.total_params == 11_689_512
    assert r.nodes["maxpool"].shape == (64, 56, 56)
    assert [r.nodes[f"layer{s}.1.relu2"].shape for s in (1, 2, 3, 4)] == [(64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7)]
    assert sum(1 for n in net if n.type == "Add") == 8
    assert [n.id for n in net if n.id.endswith("downsample.0")] == [f"layer{s}.0.downsample.0" for s in (2, 3, 4)]
    assert all(not n.params["bias"] for n in net if n.type == "Conv2D")
    # 1×1 stride-2 shortcuts skip every second row by design: a standard network shows no warnings
    assert r.warnings == []


def test_fcn_ends_in_three_scores_without_dense():
    net = load_template("fcn3")
    r = infer(net)
    assert r.nodes[r.outputs[0]].shape == (3, 1, 1)
    assert {n.type for n in net}.isdisjoint({"Dense", "Flatten"})
    assert "1×1×3" in net.description and "dog" in net.description
    # a larger image gives a spatial map of class scores
    big = infer(net, input_shape=(3, 128, 128))
    assert big.errors == []
    assert big.nodes[big.outputs[0]].shape == (3, 9, 9)
    assert big.total_params == r.total_params
    assert big.nodes["score"].receptive_field.jump == (8.0, 8.0)
    assert big.nodes["score"].receptive_field.clipped == (78, 78)


def test_vgg16_on_a_larger_image():
    """Dense layers take any flat length, so fc6 grows with the image: 512×12×12 = 73,728 inputs.

    The network still infers without errors, but fc6 is then a different layer (its weights no
    longer fit the 224×224 ones) and the output is still one vector of 1000 scores.
    """
    r = report_of("vgg16", input_shape=(3, 384, 384))
    assert r.errors == []
    assert r.nodes["pool5"].shape == (512, 12, 12)
    assert r.nodes["flatten"].shape == (73_728,)
    assert r.nodes["fc6"].params == 73_728 * 4_096 + 4_096
    assert r.nodes["fc8"].shape == (1000,)


def convert_fc_to_conv(net: Network) -> None:
    """VGG-16's fc6/fc7/fc8 as 7×7, 1×1, 1×1 convolutions (the seed's conversion)."""
    UndoStack(net).push(Macro("Convert Dense to Conv2D", [
        RemoveNodes(["flatten", "fc6", "fc7", "fc8"]),
        AddNode("Conv2D", {"filters": 4096, "kernel_size": 7}, node_id="fc6", inputs=["pool5"]),
        Connect("fc6", "relu6"),
        AddNode("Conv2D", {"filters": 4096, "kernel_size": 1}, node_id="fc7", inputs=["drop6"]),
        Connect("fc7", "relu7"),
        AddNode("Conv2D", {"filters": 1000, "kernel_size": 1}, node_id="fc8", inputs=["drop7"]),
    ]))


def test_vgg16_fully_connected_layers_as_convolutions():
    net = load_template("vgg16")
    dense = infer(net)
    convert_fc_to_conv(net)
    r = infer(net)
    assert r.errors == []
    assert [r.nodes[i].shape for i in ("fc6", "fc7", "fc8")] == [(4096, 1, 1), (4096, 1, 1), (1000, 1, 1)]
    for i in ("fc6", "fc7", "fc8"):
        assert (r.nodes[i].params, r.nodes[i].macs) == (dense.nodes[i].params, dense.nodes[i].macs)
    assert (r.total_params, r.total_macs) == (138_357_544, 15_470_264_320)
    big = infer(net, input_shape=(3, 384, 384))
    assert big.errors == [] and big.total_params == 138_357_544
    assert big.nodes["fc8"].shape == (1000, 6, 6)  # a 6×6 map of 1000 class scores


# -- PyTorch agrees (skipped without torch) ------------------------------------------------------
def torch_counts(net: Network, input_shape=None):
    """Per-node output shape and trainable parameters, and total FLOPs, from an equivalent torch graph.

    Built generically from the network on the meta device, so nothing is allocated or computed.
    """
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    report = infer(net, input_shape)
    shapes, params, values = {}, {}, {}

    def module(node, ins):
        p, c = node.params, ins[0][0] if ins else None
        t = node.type
        if t == "Conv2D":
            (top, bottom), (left, right) = conv_pads(p, ins[0][1:])
            return nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), nn.Conv2d(
                c, p["filters"], p["kernel_size"], p["stride"], 0, p["dilation"], p["groups"], p["bias"]))
        if t == "ConvTranspose2D":
            return nn.ConvTranspose2d(c, p["filters"], p["kernel_size"], p["stride"], p["padding"], p["output_padding"],
                                      p["groups"], p["bias"], p["dilation"])
        if t in ("MaxPool2D", "AvgPool2D"):
            cls = nn.MaxPool2d if t == "MaxPool2D" else nn.AvgPool2d
            extra = {} if t == "MaxPool2D" else {"count_include_pad": p["count_include_pad"]}
            return cls(p["kernel_size"], p["stride"] or p["kernel_size"], p["padding"], **extra)
        if t == "Dense":
            return nn.Linear(ins[0][0], p["units"], p["bias"])
        if t == "BatchNorm2D":
            return nn.BatchNorm2d(c, p["eps"])
        if t == "LocalResponseNorm":
            return nn.LocalResponseNorm(p["size"], p["alpha"], p["beta"], p["k"])
        if t == "ChannelShuffle":
            return nn.ChannelShuffle(p["groups"])
        if t == "ZeroPad2D":
            top, bottom, left, right = p["padding"]
            return nn.ZeroPad2d((left, right, top, bottom))
        if t == "Upsample2D":
            return nn.Upsample(scale_factor=tuple(float(s) for s in p["scale_factor"]), mode="nearest")
        simple = {"ReLU": nn.ReLU(), "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "Softmax": nn.Softmax(dim=1),
                  "Dropout": nn.Dropout(), "Flatten": nn.Flatten(), "GlobalAvgPool2D": nn.AdaptiveAvgPool2d(1),
                  "LeakyReLU": nn.LeakyReLU(p.get("negative_slope", 0.01))}
        return simple.get(t)

    with torch.device("meta"), FlopCounterMode(display=False) as flops:
        for nid in report.order:
            node, rep = net.node(nid), report.nodes[nid]
            xs = [values[s] for s in node.inputs]
            if node.type == "Input":
                y = torch.empty(1, *rep.shape)
            elif node.type == "Add":
                y = sum(xs[1:], xs[0])
            elif node.type == "Concat":
                y = torch.cat(xs, dim=1)
            else:
                m = module(node, rep.input_shapes).eval()
                params[nid] = sum(q.numel() for q in m.parameters())
                y = m(xs[0])
            values[nid] = y
            shapes[nid] = tuple(y.shape[1:])
            params.setdefault(nid, 0)
    return shapes, params, flops.get_total_flops()


def assert_torch_agrees(net: Network, input_shape=None):
    report = infer(net, input_shape)
    shapes, params, flops = torch_counts(net, input_shape)
    assert {i: r.shape for i, r in report.nodes.items()} == shapes
    assert {i: r.params for i, r in report.nodes.items()} == params
    assert 2 * report.total_macs == flops


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pytorch_agrees_on_every_template(name):
    assert_torch_agrees(load_template(name))


def test_pytorch_agrees_on_converted_vgg16_at_384():
    net = load_template("vgg16")
    convert_fc_to_conv(net)
    assert_torch_agrees(net, (3, 384, 384))


def test_pytorch_agrees_on_every_layer_type():
    assert_torch_agrees(every_type_network())


def test_pytorch_agrees_on_a_chain_of_awkward_layers():
    net = loads("""{"format": "convstudio.network", "version": 1, "layers": [
      {"id": "image", "type": "Input", "params": {"channels": 4, "height": 13, "width": 11}},
      {"id": "same", "type": "Conv2D", "params": {"filters": 6, "kernel_size": [3, 4], "stride": 2, "padding": "same",
       "groups": 2, "dilation": [1, 2]}, "inputs": ["image"]},
      {"id": "up", "type": "ConvTranspose2D", "params": {"filters": 4, "kernel_size": 3, "stride": 2, "padding": 1,
       "output_padding": 1, "groups": 2, "bias": false}, "inputs": ["same"]},
      {"id": "bn", "type": "BatchNorm2D", "inputs": ["up"]},
      {"id": "lrelu", "type": "LeakyReLU", "inputs": ["bn"]},
      {"id": "pad", "type": "ZeroPad2D", "params": {"padding": [1, 2, 0, 3]}, "inputs": ["lrelu"]},
      {"id": "maxp", "type": "MaxPool2D", "params": {"kernel_size": 3, "stride": 2, "padding": 1}, "inputs": ["pad"]},
      {"id": "avgp", "type": "AvgPool2D", "params": {"kernel_size": 2}, "inputs": ["pad"]},
      {"id": "big", "type": "Upsample2D", "params": {"scale_factor": [1, 2]}, "inputs": ["avgp"]},
      {"id": "sig", "type": "Sigmoid", "inputs": ["maxp"]},
      {"id": "cat", "type": "Concat", "inputs": ["sig", "maxp"]},
      {"id": "th", "type": "Tanh", "inputs": ["cat"]},
      {"id": "sum", "type": "Add", "inputs": ["th", "cat", "th"]},
      {"id": "gap", "type": "GlobalAvgPool2D", "inputs": ["sum"]},
      {"id": "flat", "type": "Flatten", "inputs": ["gap"]},
      {"id": "drop", "type": "Dropout", "inputs": ["flat"]},
      {"id": "fc", "type": "Dense", "params": {"units": 5}, "inputs": ["drop"]},
      {"id": "relu", "type": "ReLU", "inputs": ["fc"]},
      {"id": "soft", "type": "Softmax", "inputs": ["relu"]},
      {"id": "flat2", "type": "Flatten", "inputs": ["big"]}
    ]}""")
    report = infer(net)
    assert report.errors == []
    assert_torch_agrees(net)
