"""BatchNorm2D: PyTorch code, ONNX export (BatchNormalization) and import."""
from __future__ import annotations

from ..onnx_convert import Converter, Op
from ..registry import onnx_export, onnx_import, torch_module
from ..torch_text import kwargs

BN_ARRAYS = ("weight", "bias", "running_mean", "running_var")


@torch_module("BatchNorm2D")
def bn_module(p, ins, *_) -> str:
    return f"nn.BatchNorm2d({ins[0][0]}{kwargs([('eps', repr(p['eps']), '1e-05')])})"


@onnx_export("BatchNorm2D")
def bn_node(b, node, p, ins) -> None:
    b.emit(node, "BatchNormalization", ins + [b.weight(node, n) for n in BN_ARRAYS], epsilon=p["eps"])


@onnx_import("BatchNormalization", makes=("BatchNorm2D",))
def batch_norm(c: Converter, op: Op) -> None:
    if op.attrs.get("training_mode", 0):
        raise op.fail("is in training mode; ConvStudio's BatchNorm2D uses running statistics")
    weights = {n: c.constant(op, i + 1) for i, n in enumerate(BN_ARRAYS)}
    params = {"eps": op.attrs.get("epsilon", 1e-5)}
    c.output(op, c.add(op, "BatchNorm2D", params, [c.source(op, 0)], weights))
