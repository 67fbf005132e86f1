"""The classic networks the onnx package ships as its own test models ("light": constant weights)
import, pass `summary`, and compute what onnxruntime computes (skipped without onnx)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from interop_helpers import rel_diff

from convstudio.cli import main
from convstudio.engine.execute import run
from convstudio.engine.infer import infer
from convstudio.engine.weights import load_weights
from convstudio.interop import weights_path_for
from convstudio.io import load_network

onnx = pytest.importorskip("onnx")
LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
CLASSICS = ["bvlc_alexnet", "densenet121", "inception_v2", "resnet50", "shufflenet", "squeezenet", "vgg19",
            "zfnet512"]


def reference(path: Path, x: np.ndarray) -> np.ndarray:
    """onnxruntime's result; before a final Softmax, since constant weights make every class equally likely."""
    ort = pytest.importorskip("onnxruntime")
    model = onnx.load(path)
    last = model.graph.node[-1]
    if last.op_type == "Softmax":
        model.graph.output.append(onnx.helper.make_tensor_value_info(last.input[0], onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[-1]


@pytest.mark.slow
@pytest.mark.parametrize("name", CLASSICS)
def test_classic_network_imports_and_computes_like_onnxruntime(tmp_path, name, capsys):
    model = LIGHT / f"light_{name}.onnx"
    out = tmp_path / f"{name}.json"
    assert main(["import", str(model), "-o", str(out)]) == 0
    assert main(["summary", str(out)]) == 0
    assert "0 errors" in capsys.readouterr().out
    net, weights = load_network(out), load_weights(weights_path_for(out))
    report = infer(net)
    x = np.random.default_rng(0).uniform(-1, 1, (1, *report.nodes[report.inputs[0]].shape)).astype(np.float32)
    last = net.node(report.outputs[-1])
    compared = last.inputs[0] if last.decl.outputs_probabilities else last.id
    theirs = reference(model, x)
    ours = run(net, x, weights)[compared].reshape(theirs.shape)
    assert rel_diff(ours, theirs) <= 1e-4


def test_inception_v1_names_the_pooling_it_cannot_express(tmp_path, capsys):
    """Its last average pool leaves the one-sided padding out of the average (Caffe's rounding up)."""
    assert main(["import", str(LIGHT / "light_inception_v1.onnx"), "-o", str(tmp_path / "v1.json")]) == 2
    assert "(AveragePool): pads [0, 0, 1, 1] differ between the two sides" in capsys.readouterr().err
    assert not (tmp_path / "v1.json").exists()
