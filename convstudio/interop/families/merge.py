"""Add and Concat: written inline in PyTorch's forward(), ONNX export (Add/Sum, Concat) and import."""
from __future__ import annotations

from ..onnx_convert import Converter, Op
from ..registry import onnx_export, onnx_import, torch_forward, torch_module
from .norm import fold_per_channel


def _inline(p, *_) -> None:
    """No module: the layer is an expression in forward()."""
    return None


# -- Add -----------------------------------------------------------------------------------------
torch_module("Add")(_inline)


@torch_forward("Add")
def add_forward(args, *_) -> str:
    return " + ".join(args)


@onnx_export("Add")
def add_node(b, node, p, ins) -> None:
    b.emit(node, "Add" if len(ins) == 2 else "Sum", ins)


@onnx_import("Add", "Sum", makes=("Add",))
def add(c: Converter, op: Op) -> None:
    if fold_per_channel(c, op, multiply=False):
        return
    for name in op.inputs:
        if name in c.constants:
            raise op.fail(f"adds the constant '{name}'; ConvStudio's Add joins the outputs of layers")
    c.output(op, c.add(op, "Add", {}, [c.source(op, i) for i in range(len(op.inputs))]))


# -- Concat --------------------------------------------------------------------------------------
torch_module("Concat")(_inline)


@torch_forward("Concat")
def concat_forward(args, *_) -> str:
    return f"torch.cat([{', '.join(args)}], dim=1)"


@onnx_export("Concat")
def concat_node(b, node, p, ins) -> None:
    b.emit(node, "Concat", ins, axis=1)


@onnx_import("Concat", makes=("Concat",))
def concat(c: Converter, op: Op) -> None:
    sources = [c.source(op, i) for i in range(len(op.inputs))]
    rank = len(c.shape_of(sources[0])) + 1
    if op.attrs.get("axis", 1) % rank != 1:
        raise op.fail("joins along an axis other than the channels (axis 1)")
    c.output(op, c.add(op, "Concat", {}, sources))
