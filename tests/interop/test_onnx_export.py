"""ONNX export: a valid model whose outputs equal the engine's (skipped without onnx)."""
from __future__ import annotations

import numpy as np
import pytest
from interop_helpers import every_layer, rel_diff, sample_input, template, vivid_weights

from convstudio.engine.execute import run
from convstudio.engine.weights import init_weights
from convstudio.errors import ConvStudioError
from convstudio.interop import onnx_export

onnx = pytest.importorskip("onnx")


def test_model_layout():
    net = every_layer()
    model = onnx_export.export_onnx(net, init_weights(net))
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import] == [17]
    (image,) = model.graph.input
    dims = image.type.tensor_type.shape.dim
    assert image.name == "image" and dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [8, 12, 10]
    assert {o.name for o in model.graph.output} == {n.id for n in net if not net.consumers(n.id)}
    names = {t.name for t in model.graph.initializer}
    assert {"conv1/weight", "conv1/bias", "bn1/running_var", "dense1/weight", "dense2/bias"} <= names
    assert "dense1/bias" not in names  # the example without bias
    conv = next(n for n in model.graph.node if n.name == "conv1")  # "same" at stride 2
    assert next(a.ints for a in conv.attribute if a.name == "pads") == [0, 0, 1, 1]  # top, left, bottom, right


def test_missing_weights_are_named():
    net = every_layer()
    weights = init_weights(net)
    del weights["deconv1"]
    with pytest.raises(ConvStudioError, match="deconv1/weight: missing"):
        onnx_export.export_onnx(net, weights)


@pytest.fixture
def ort():
    return pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("make", [every_layer, lambda: template("tinyvgg"), lambda: template("resnet18")],
                         ids=["every-layer", "tinyvgg", "resnet18"])
def test_outputs_equal_engine(make, record_property, ort):
    net = make()
    weights = vivid_weights(net, seed=5)
    model = onnx_export.export_onnx(net, weights)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = sample_input(net, batch=3)  # N is dynamic
    theirs = session.run(None, {session.get_inputs()[0].name: x})
    ours = run(net, x, weights)
    diffs = [rel_diff(ours[o.name], t) for o, t in zip(session.get_outputs(), theirs, strict=True)]
    record_property("max_rel_diff", max(diffs))
    assert max(diffs) <= 1e-4 and np.isfinite(diffs).all()
