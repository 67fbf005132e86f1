"""Every layer type says how it is exported and imported (interop/families/), and the
network generated from the declarations' examples uses every type."""
from __future__ import annotations

import pytest

from convstudio import layers
from convstudio.engine.infer import infer
from convstudio.graph.examples import every_type_network
from convstudio.interop import registry
from convstudio.layers.activation import Dropout
from convstudio.layers.registry import _REGISTRY


@pytest.mark.parametrize("type_name", layers.names())
def test_every_type_is_exported_and_imported(type_name):
    missing = registry.lacking(type_name)
    assert not missing, f"{type_name} lacks {', '.join(missing)} in convstudio/interop/families/"


def test_a_new_type_is_named_with_what_it_lacks(monkeypatch):
    class Dropout2D(Dropout):
        name = "Dropout2D"

    monkeypatch.setitem(_REGISTRY, "Dropout2D", Dropout2D())
    assert registry.lacking("Dropout2D") == ["a PyTorch module (@torch_module)", "an ONNX export (@onnx_export)",
                                             "an ONNX import (@onnx_import(..., makes=...))"]


def test_a_second_registration_is_refused():
    with pytest.raises(ValueError, match="Conv2D: onnx export is registered twice"):
        registry.onnx_export("Conv2D")(lambda *a: None)
    with pytest.raises(ValueError, match="ONNX operation Conv has two converters"):
        registry.onnx_import("Conv")(lambda *a: None)


def test_the_example_network_uses_every_type_and_fits():
    net = every_type_network()
    report = infer(net)
    assert report.errors == []
    assert {n.type for n in net} == set(layers.names())
    for type_name in layers.names():
        decl = layers.get(type_name)
        assert sum(n.type == type_name for n in net) >= len(decl.examples), type_name
