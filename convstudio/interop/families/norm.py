"""BatchNorm2D and LocalResponseNorm: PyTorch code, ONNX export (BatchNormalization, LRN) and import."""
from __future__ import annotations

import numpy as np

from ...errors import ConvStudioError
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


def fold_per_channel(c: Converter, op: Op, multiply: bool) -> bool:
    """Fold a per-channel constant scale (Mul) or shift (Add) into the BatchNorm2D it follows.

    Caffe2 exports write BatchNorm's affine step as Mul and Add (DenseNet, Inception v2).
    Only done when nothing else reads the BatchNorm's own output; False when it does not apply.
    """
    consts = [n for n in op.inputs if n in c.constants]
    sources = [n for n in op.inputs if n in c.producer]
    if len(op.inputs) != 2 or len(consts) != 1 or len(sources) != 1 or c.only_user(sources[0]) is None:
        return False
    nid = c.producer[sources[0]]
    if c.layer(nid).type != "BatchNorm2D":
        return False
    weights = c.weights[nid]
    channels = weights["weight"].shape[0]
    value = np.asarray(c.constants[consts[0]], np.float32)
    shape = (1,) * (4 - value.ndim) + value.shape if value.ndim <= 4 else value.shape
    if shape not in ((1, 1, 1, 1), (1, channels, 1, 1)):
        return False
    value = np.broadcast_to(value.reshape(-1), (channels,))
    if multiply:
        weights["weight"], weights["bias"] = weights["weight"] * value, weights["bias"] * value
    else:
        weights["bias"] = weights["bias"] + value
    c.output(op, nid)
    return True


@onnx_import("Mul")
def multiply(c: Converter, op: Op) -> None:
    if not fold_per_channel(c, op, multiply=True):
        raise op.fail("multiplies tensors; ConvStudio folds only a per-channel constant scale right after "
                      "BatchNormalization (into that layer)")


# -- LocalResponseNorm ---------------------------------------------------------------------------
@torch_module("LocalResponseNorm")
def lrn_module(p, *_) -> str:
    return f"nn.LocalResponseNorm({p['size']}, alpha={p['alpha']!r}, beta={p['beta']!r}, k={p['k']!r})"


@onnx_export("LocalResponseNorm")
def lrn_node(b, node, p, ins) -> None:
    if p["size"] % 2 == 0:
        raise ConvStudioError(f"{node.id}: ONNX's LRN centres a window of even size {p['size']} one channel "
                              "later than PyTorch and ConvStudio; use an odd size to export it")
    b.emit(node, "LRN", ins, size=p["size"], alpha=p["alpha"], beta=p["beta"], bias=p["k"])


@onnx_import("LRN", makes=("LocalResponseNorm",))
def lrn(c: Converter, op: Op) -> None:
    size = int(op.attrs["size"])
    if size % 2 == 0:
        raise op.fail(f"sums over an even number of channels ({size}); ONNX centres that window one channel "
                      "later than ConvStudio's LocalResponseNorm (PyTorch's)")
    params = {"size": size, "alpha": op.attrs.get("alpha", 1e-4), "beta": op.attrs.get("beta", 0.75),
              "k": op.attrs.get("bias", 1.0)}
    c.output(op, c.add(op, "LocalResponseNorm", params, [c.source(op, 0)]))
