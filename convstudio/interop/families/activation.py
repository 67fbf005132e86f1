"""ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Dropout: PyTorch code, ONNX export and import."""
from __future__ import annotations

import numpy as np

from ..onnx_convert import Converter, Op, f32, pointwise
from ..registry import onnx_export, onnx_import, torch_module


def _simple(type_name: str, module: str, op: str, **attrs) -> None:
    """Register a layer whose module and ONNX node take no parameters (or fixed ones)."""
    torch_module(type_name)(lambda p, *_: module)
    onnx_export(type_name)(lambda b, node, p, ins: b.emit(node, op, ins, **attrs))
    onnx_import(op, makes=(type_name,))(pointwise(type_name))


_simple("ReLU", "nn.ReLU()", "Relu")
_simple("Sigmoid", "nn.Sigmoid()", "Sigmoid")
_simple("Tanh", "nn.Tanh()", "Tanh")


# -- LeakyReLU -----------------------------------------------------------------------------------
@torch_module("LeakyReLU")
def leaky_module(p, *_) -> str:
    return f"nn.LeakyReLU(negative_slope={p['negative_slope']!r})"


@onnx_export("LeakyReLU")
def leaky_node(b, node, p, ins) -> None:
    b.emit(node, "LeakyRelu", ins, alpha=p["negative_slope"])


onnx_import("LeakyRelu", makes=("LeakyReLU",))(pointwise("LeakyReLU", negative_slope=("alpha", 0.01)))


# -- Softmax -----------------------------------------------------------------------------------
@torch_module("Softmax")
def softmax_module(p, *_) -> str:
    return "nn.Softmax(dim=1)"


@onnx_export("Softmax")
def softmax_node(b, node, p, ins) -> None:
    b.emit(node, "Softmax", ins, axis=1)


@onnx_import("Softmax", makes=("Softmax",))
def softmax(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    shape = c.shape_of(x)
    rank = len(shape) + 1
    axis = op.attrs.get("axis", -1 if c.opset >= 13 else 1) % rank
    flat_before_13 = c.opset < 13 and shape[1:] not in ((), (1, 1))
    if flat_before_13:
        dims = "×".join(map(str, shape[axis - 1:]))
        raise op.fail(f"(opset {c.opset}) flattens the {dims} values from axis {axis} on into one axis and "
                      "takes a single softmax over all of them; ConvStudio's Softmax works over the channels "
                      "at each position (opset 13 and later express that as axis 1)")
    if axis != 1:
        raise op.fail(f"takes the softmax over axis {axis} of a rank-{rank} tensor; "
                      "ConvStudio's Softmax works over the channels (axis 1)")
    c.output(op, c.add(op, "Softmax", {}, [x]))


# -- Dropout (and Identity, which is no layer at all) --------------------------------------------
@torch_module("Dropout")
def dropout_module(p, *_) -> str:
    return f"nn.Dropout(p={p['rate']!r})"


@onnx_export("Dropout")
def dropout_node(b, node, p, ins) -> None:
    ratio = b.tensor(f"{node.id}/ratio", np.array(p["rate"], np.float32))
    b.emit(node, "Dropout", ins + [ratio])


@onnx_import("Dropout", makes=("Dropout",))
def dropout(c: Converter, op: Op) -> None:
    if c.opset >= 12:
        ratio = c.constant(op, 1, required=False)
        training = c.constant(op, 2, required=False)
        if training is not None and bool(np.asarray(training)):
            raise op.fail("is in training mode; ConvStudio runs networks for inference")
        rate = 0.5 if ratio is None else f32(float(np.asarray(ratio)))
    else:
        rate = op.attrs.get("ratio", 0.5)
    c.output(op, c.add(op, "Dropout", {"rate": rate}, [c.source(op, 0)]))


@onnx_import("Identity")
def identity(c: Converter, op: Op) -> None:
    c.output(op, c.source(op, 0))
