"""PyTorch code export: the generated module computes what the engine computes."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from interop_helpers import (
    build,
    every_layer,
    rel_diff,
    sample_input,
    template,
    vivid_weights,
)

from convstudio import layers
from convstudio.engine.execute import run
from convstudio.engine.infer import infer
from convstudio.engine.weights import save_weights
from convstudio.errors import ConvStudioError
from convstudio.interop.names import RESERVED, class_name, python_names
from convstudio.interop.pytorch_export import export_pytorch


def load_module(tmp_path, code: str):
    path = tmp_path / "generated_net.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("generated_net", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_code_is_plain_and_readable():
    code = export_pytorch(every_layer())
    compile(code, "generated.py", "exec")
    assert "import convstudio" not in code and "from convstudio" not in code
    assert "self.conv1 = nn.Conv2d(8, 8, kernel_size=3, stride=2)" in code
    assert "conv1 = self.conv1(F.pad(image, (0, 1, 0, 1)))" in code  # "same" at stride 2: extra pixel after
    assert "self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)" in code  # empty stride = kernel
    assert "self.pad1 = nn.ZeroPad2d((2, 3, 1, 0))" in code  # (left, right, top, bottom)
    assert "self.bn1 = nn.BatchNorm2d(8, eps=0.001)" in code
    assert "concat1 = torch.cat([image, image], dim=1)" in code and "add1 = image + image" in code
    assert "nn.Softmax(dim=1)" in code and "nn.Flatten(1)" in code
    assert "return conv1, conv2," in code


def test_ids_that_are_not_python_names_are_mapped():
    spec = [("in-put", "Input", {"channels": 1, "height": 8, "width": 8}, []),
            ("class", "Conv2D", {"filters": 2}, ["in-put"]),
            ("eval", "ReLU", {}, ["class"]),
            ("_x.1", "ReLU", {}, ["eval"]),
            ("in_put", "ReLU", {}, ["_x.1"])]
    code = export_pytorch(build(spec, "3 weird ids"))
    assert "class Network3WeirdIds(nn.Module):" in code
    for old, new in [("in-put", "in_put"), ("class", "class_"), ("eval", "eval_"), ("_x.1", "layer_x_1"),
                     ("in_put", "in_put_2")]:
        assert f"    {old!r}: {new!r}," in code
    compile(code, "generated.py", "exec")


def test_names_and_class_names():
    assert python_names(["a-b", "a_b", "for", "to"]) == {"a-b": "a_b", "a_b": "a_b_2", "for": "for_", "to": "to_"}
    assert class_name("ResNet-18") == "ResNet18" and class_name("tiny vgg") == "TinyVgg"
    assert class_name("") == "Network" and class_name("18 layers") == "Network18Layers"


def test_network_with_errors_is_refused():
    spec = [("image", "Input", {"channels": 3, "height": 4, "width": 4}, []),
            ("conv", "Conv2D", {"filters": 2, "kernel_size": 7}, ["image"])]
    with pytest.raises(ConvStudioError, match="cannot export .*conv: kernel 7"):
        export_pytorch(build(spec))


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_reserved_names_cover_nn_module(torch):
    public = {n for n in [*dir(torch.nn.Module), *vars(torch.nn.Module())] if not n.startswith("_")}
    assert public - RESERVED == set()


@pytest.mark.parametrize("make", [every_layer, lambda: template("tinyvgg"), lambda: template("resnet18")],
                         ids=["every-layer", "tinyvgg", "resnet18"])
def test_outputs_equal_engine(tmp_path, make, record_property, torch):
    net = make()
    weights = vivid_weights(net, seed=7)
    save_weights(tmp_path / "w.npz", weights)
    module = load_module(tmp_path, export_pytorch(net))
    model = getattr(module, class_name(net.name))().load_npz(tmp_path / "w.npz")
    x = sample_input(net, batch=2)
    ours = run(net, x, weights)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x))
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    outputs = infer(net).outputs  # the order forward() returns them in
    diffs = [rel_diff(ours[o], t.numpy()) for o, t in zip(outputs, theirs, strict=True)]
    record_property("max_rel_diff", max(diffs))
    assert max(diffs) <= 1e-4


def test_load_npz_refuses_other_weights(tmp_path, torch):
    net = every_layer()
    save_weights(tmp_path / "w.npz", {"conv1": {"weight": np.zeros((8, 8, 3, 3), np.float32)}})
    model = load_module(tmp_path, export_pytorch(net)).EveryLayer()
    with pytest.raises(ValueError, match="does not fit this network"):
        model.load_npz(tmp_path / "w.npz")
