"""Dense: PyTorch code (nn.Linear), ONNX export (Gemm) and import (Gemm, MatMul with its bias Add)."""
from __future__ import annotations

import numpy as np

from ...wording import a
from ..onnx_convert import Converter, Op
from ..registry import onnx_export, onnx_import, torch_module
from ..torch_text import kwargs


@torch_module("Dense")
def dense_module(p, ins, *_) -> str:
    return f"nn.Linear({ins[0][0]}, {p['units']}{kwargs([('bias', p['bias'], True)])})"


@onnx_export("Dense")
def dense_node(b, node, p, ins) -> None:
    inputs = ins + [b.weight(node, "weight")] + ([b.weight(node, "bias")] if p["bias"] else [])
    b.emit(node, "Gemm", inputs, transB=1)


@onnx_import("Gemm", makes=("Dense",))
def gemm(c: Converter, op: Op) -> None:
    if op.attrs.get("transA", 0):
        raise op.fail("transposes its input (transA=1); a Dense layer takes the features as they come")
    weight = c.constant(op, 1)
    weight = weight if op.attrs.get("transB", 0) else weight.T
    bias = c.constant(op, 2, required=False)
    weights = {"weight": weight * np.float32(op.attrs.get("alpha", 1.0))}
    if bias is not None:
        weights["bias"] = _bias_vector(op, bias * np.float32(op.attrs.get("beta", 1.0)), weight.shape[0])
    _dense(c, op, weights)


def _bias_vector(op: Op, bias: np.ndarray, units: int) -> np.ndarray:
    """One bias per output from a scalar, (units,) or (1, units) constant."""
    if bias.size == 1:
        return np.full(units, bias.reshape(-1)[0], np.float32)
    if bias.size == units and bias.shape[-1] == units:
        return bias.reshape(-1)
    raise op.fail(f"adds a bias of shape {list(bias.shape)}; a Dense layer has one bias per output ({units})")


@onnx_import("MatMul", makes=("Dense",))
def matmul(c: Converter, op: Op) -> None:
    weight = c.constant(op, 1)
    if weight.ndim != 2:
        raise op.fail(f"multiplies by {a(f'{weight.ndim}-D')} constant; only a 2-D weight matrix maps to Dense")
    weights = {"weight": weight.T}
    bias_add = _bias_add(c, op, weight.shape[1])
    if bias_add is not None:
        index_add, bias = bias_add
        weights["bias"] = bias
        c.skip.add(index_add)
        c.producer[c.graph.node[index_add].output[0]] = _dense(c, op, weights)
        return
    _dense(c, op, weights)


def _bias_add(c: Converter, op: Op, units: int):
    """(node index, bias) of an Add that only adds a constant bias to this MatMul's result."""
    users = c.users.get(op.proto.output[0], [])
    if len(users) != 1 or users[0] < 0:
        return None
    add = c.graph.node[users[0]]
    if add.op_type != "Add":
        return None
    other = [n for n in add.input if n != op.proto.output[0]]
    if len(other) != 1 or other[0] not in c.constants:
        return None
    bias = c.constants[other[0]]
    if bias.size not in (1, units) or bias.shape[-1:] not in ((), (1,), (units,)):
        return None
    return users[0], _bias_vector(op, bias, units)


def _dense(c: Converter, op: Op, weights: dict) -> str:
    params = {"units": int(weights["weight"].shape[0]), "bias": "bias" in weights}
    nid = c.add(op, "Dense", params, [c.source(op, 0)], weights)
    c.output(op, nid)
    return nid
