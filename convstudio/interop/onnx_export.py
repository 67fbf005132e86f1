"""A network and its weights as an ONNX model (opset 17), built with onnx.helper.

One ONNX node per layer, named by the layer id and producing a tensor of the same
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
from .onnx_support import HINTS_KEY, IR_VERSION, OPSET, require_onnx
from .prepare import exportable_report, file_order, pads_of, pool_stride


def export_onnx(net: Network, weights: WeightSet):
    """The checked onnx.ModelProto for `net` with `weights` (ConvStudioError if it cannot be built)."""
    onnx = require_onnx("export")
    report = exportable_report(net)
    check_weights(net, weights, report)
    builder = _Builder(onnx, net, report, weights)
    for nid in file_order(net, report):
        node = net.node(nid)
        if node.type != "Input":
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

    def emit(self, node: Node, op: str, inputs: list[str], **attrs) -> None:
        self.nodes.append(self.h.make_node(op, inputs, [node.id], name=node.id, **attrs))

    def layer(self, node: Node) -> None:
        try:
            emit = _LAYERS[node.type]
        except KeyError:
            raise ConvStudioError(f"{node.id}: ONNX export does not know {node.type} layers") from None
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
        hints = {n.id: {"type": n.type, "params": n.params} for n in self.net if n.type != "Input"}
        h.set_model_props(model, {HINTS_KEY: json.dumps(hints, separators=(",", ":"))})
        return model

    def value_info(self, nid: str):
        shape = ["N", *self.report.nodes[nid].shape]
        return self.h.make_tensor_value_info(nid, self.onnx.TensorProto.FLOAT, shape)


# -- one layer each --------------------------------------------------------------------------
def _conv(b: _Builder, node: Node, p, ins) -> None:
    (t, bottom), (left, right) = pads_of(node, b.report)
    inputs = ins + [b.weight(node, "weight")] + ([b.weight(node, "bias")] if p["bias"] else [])
    b.emit(node, "Conv", inputs, kernel_shape=p["kernel_size"], strides=p["stride"],
           pads=[t, left, bottom, right], dilations=p["dilation"], group=p["groups"])


def _deconv(b: _Builder, node: Node, p, ins) -> None:
    ph, pw = p["padding"]
    inputs = ins + [b.weight(node, "weight")] + ([b.weight(node, "bias")] if p["bias"] else [])
    b.emit(node, "ConvTranspose", inputs, kernel_shape=p["kernel_size"], strides=p["stride"],
           pads=[ph, pw, ph, pw], output_padding=p["output_padding"], dilations=p["dilation"],
           group=p["groups"])


def _pool(op: str, **extra):
    def emit(b: _Builder, node: Node, p, ins) -> None:
        ph, pw = p["padding"]
        b.emit(node, op, ins, kernel_shape=p["kernel_size"], strides=pool_stride(p), pads=[ph, pw, ph, pw],
               **extra)
    return emit


def _batch_norm(b: _Builder, node: Node, p, ins) -> None:
    names = [b.weight(node, n) for n in ("weight", "bias", "running_mean", "running_var")]
    b.emit(node, "BatchNormalization", ins + names, epsilon=p["eps"])


def _dense(b: _Builder, node: Node, p, ins) -> None:
    inputs = ins + [b.weight(node, "weight")] + ([b.weight(node, "bias")] if p["bias"] else [])
    b.emit(node, "Gemm", inputs, transB=1)


def _dropout(b: _Builder, node: Node, p, ins) -> None:
    ratio = b.tensor(f"{node.id}/ratio", np.array(p["rate"], np.float32))
    b.emit(node, "Dropout", ins + [ratio])


def _upsample(b: _Builder, node: Node, p, ins) -> None:
    sh, sw = p["scale_factor"]
    scales = b.tensor(f"{node.id}/scales", np.array([1, 1, sh, sw], np.float32))
    b.emit(node, "Resize", ins + ["", scales], mode="nearest", coordinate_transformation_mode="asymmetric",
           nearest_mode="floor")


def _zero_pad(b: _Builder, node: Node, p, ins) -> None:
    t, bottom, left, right = p["padding"]
    pads = b.tensor(f"{node.id}/pads", np.array([0, 0, t, left, 0, 0, bottom, right], np.int64))
    b.emit(node, "Pad", ins + [pads], mode="constant")


def _simple(op: str, **attrs):
    def emit(b: _Builder, node: Node, p, ins) -> None:
        b.emit(node, op, ins, **{k: (v(p) if callable(v) else v) for k, v in attrs.items()})
    return emit


_LAYERS = {
    "Conv2D": _conv,
    "ConvTranspose2D": _deconv,
    "MaxPool2D": _pool("MaxPool"),
    "AvgPool2D": _pool("AveragePool", count_include_pad=1),
    "GlobalAvgPool2D": _simple("GlobalAveragePool"),
    "BatchNorm2D": _batch_norm,
    "ReLU": _simple("Relu"),
    "LeakyReLU": _simple("LeakyRelu", alpha=lambda p: p["negative_slope"]),
    "Sigmoid": _simple("Sigmoid"),
    "Tanh": _simple("Tanh"),
    "Softmax": _simple("Softmax", axis=1),
    "Dropout": _dropout,
    "Dense": _dense,
    "Flatten": _simple("Flatten", axis=1),
    "Upsample2D": _upsample,
    "ZeroPad2D": _zero_pad,
    "Add": lambda b, node, p, ins: b.emit(node, "Add" if len(ins) == 2 else "Sum", ins),
    "Concat": _simple("Concat", axis=1),
}


def supported_types() -> set[str]:
    """Layer types this exporter writes (a test keeps it equal to the registry)."""
    return set(_LAYERS) | {"Input"}
