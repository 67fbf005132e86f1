"""A network and its weights as an ONNX model (opset 17), built with onnx.helper.

One ONNX node per layer (interop/families/ says which), named by the layer id and producing a tensor of the same
name; weights are initializers named "<layer id>/<name>" as in the .npz files. The
input is named by the Input layer id with shape [N, C, H, W] (N dynamic). The
layers' own parameter spellings ("same" padding, an empty pool stride) are kept in
the model metadata so an import gives back the same JSON; the nodes themselves carry
the resolved numbers every runtime needs.
"""
from __future__ import annotations

import json
import os

import numpy as np

from .. import __version__
from ..engine.infer import Report
from ..engine.weights import WeightSet, check_weights
from ..errors import ConvStudioError
from ..graph import Network, Node
from ..io.atomic import write_atomic
from . import families, registry  # noqa: F401  (families registers each type's ONNX node)
from .onnx_support import HINTS_KEY, IR_VERSION, OPSET, require_onnx
from .prepare import exportable_report, file_order


def export_onnx(net: Network, weights: WeightSet):
    """The checked onnx.ModelProto for `net` with `weights` (ConvStudioError if it cannot be built)."""
    onnx = require_onnx("export")
    report = exportable_report(net)
    check_weights(net, weights, report)
    builder = _Builder(onnx, net, report, weights)
    for nid in file_order(net, report):
        node = net.node(nid)
        if not node.decl.is_input:
            builder.layer(node)
    model = builder.model()
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        raise ConvStudioError(f"the ONNX model for {net.name} is not valid: {e}") from None
    return model


def save_onnx(net: Network, weights: WeightSet, path: str | os.PathLike) -> None:
    """Export and write atomically (nothing is written when the export fails)."""
    data = export_onnx(net, weights).SerializeToString()
    write_atomic(path, data)


class _Builder:
    """Collects nodes and initializers for one model."""

    def __init__(self, onnx, net: Network, report: Report, weights: WeightSet):
        self.onnx, self.h = onnx, onnx.helper
        self.net, self.report, self.weights = net, report, weights
        self.nodes: list = []
        self.initializers: list = []

    def tensor(self, name: str, array) -> str:
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, node: Node, name: str, array=None) -> str:
        arr = self.weights[node.id][name] if array is None else array
        return self.tensor(f"{node.id}/{name}", np.asarray(arr, np.float32))

    def emit(self, node: Node, op: str, inputs: list[str], step: str = "", **attrs) -> str:
        """Add an ONNX node for `node`; a layer made of several names the earlier ones "<id>/<step>"."""
        name = f"{node.id}/{step}" if step else node.id
        self.nodes.append(self.h.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def layer(self, node: Node) -> None:
        emit = registry.onnx_export_of(node.type)
        if emit is None:
            raise ConvStudioError(f"{node.id}: ONNX export does not know {node.type} layers")
        emit(self, node, node.params, list(node.inputs))

    def model(self):
        h = self.h
        inputs = [self.value_info(i) for i in self.report.inputs]
        outputs = [self.value_info(o) for o in self.report.outputs]
        graph = h.make_graph(self.nodes, self.net.name, inputs, outputs, self.initializers,
                             doc_string=self.net.description or None)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET)], producer_name="ConvStudio",
                             producer_version=__version__)
        model.ir_version = IR_VERSION
        hints = {n.id: {"type": n.type, "params": n.params} for n in self.net if not n.decl.is_input}
        h.set_model_props(model, {HINTS_KEY: json.dumps(hints, separators=(",", ":"))})
        return model

    def value_info(self, nid: str):
        shape = ["N", *self.report.nodes[nid].shape]
        return self.h.make_tensor_value_info(nid, self.onnx.TensorProto.FLOAT, shape)
