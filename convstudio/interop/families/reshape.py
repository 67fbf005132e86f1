"""Flatten, Upsample2D, ZeroPad2D, ChannelShuffle: PyTorch code, ONNX export and import."""
from __future__ import annotations

import numpy as np

from ..onnx_convert import Converter, Op
from ..registry import onnx_export, onnx_import, torch_module
from ..torch_text import one


# -- Flatten -----------------------------------------------------------------------------------
@torch_module("Flatten")
def flatten_module(p, *_) -> str:
    return "nn.Flatten(1)"


@onnx_export("Flatten")
def flatten_node(b, node, p, ins) -> None:
    b.emit(node, "Flatten", ins, axis=1)


@onnx_import("Flatten", makes=("Flatten",))
def flatten(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    rank = len(c.shape_of(x)) + 1
    if op.attrs.get("axis", 1) % rank != 1:
        raise op.fail("flattens from an axis other than 1; ConvStudio's Flatten keeps the batch axis only")
    c.output(op, c.add(op, "Flatten", {}, [x]))


@onnx_import("Reshape", makes=("Flatten", "ChannelShuffle"))
def reshape(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    target = [int(v) for v in np.asarray(c.constant(op, 1)).reshape(-1)]
    if len(target) == 5 and _channel_shuffle(c, op, x, target):
        return
    features = int(np.prod(c.shape_of(x)))
    # [0, -1] copies the batch; [1, -1] is how a model exported for one image says the same
    flat = len(target) == 2 and (target[1] == features or (target[1] == -1 and target[0] in (0, 1)))
    if not flat:
        raise op.fail(f"reshapes to {target}; ConvStudio only reshapes by flattening to N×{features}")
    c.output(op, c.add(op, "Flatten", {}, [x]))


# -- Upsample2D ----------------------------------------------------------------------------------
@torch_module("Upsample2D")
def upsample_module(p, *_) -> str:
    return f"nn.Upsample(scale_factor={one(p['scale_factor'])}, mode=\"nearest\")"


@onnx_export("Upsample2D")
def upsample_node(b, node, p, ins) -> None:
    sh, sw = p["scale_factor"]
    scales = b.tensor(f"{node.id}/scales", np.array([1, 1, sh, sw], np.float32))
    b.emit(node, "Resize", ins + ["", scales], mode="nearest", coordinate_transformation_mode="asymmetric",
           nearest_mode="floor")


EXACT_NEAREST = {("asymmetric", "floor"), ("half_pixel", "round_prefer_floor"),
                 ("half_pixel", "round_prefer_ceil"), ("pytorch_half_pixel", "round_prefer_floor"),
                 ("pytorch_half_pixel", "round_prefer_ceil")}


@onnx_import("Resize", makes=("Upsample2D",))
def resize(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    if op.attrs.get("mode", "nearest") != "nearest":
        raise op.fail(f"resizes with mode '{op.attrs['mode']}'; ConvStudio's Upsample2D is nearest-neighbour")
    if c.opset >= 11:
        rule = (op.attrs.get("coordinate_transformation_mode", "half_pixel"),
                op.attrs.get("nearest_mode", "round_prefer_floor"))
        if rule not in EXACT_NEAREST:
            raise op.fail(f"maps pixels with {rule[0]}/{rule[1]}, which does not repeat pixels exactly")
        scales, sizes = c.constant(op, 2, required=False), c.constant(op, 3, required=False)
    else:
        scales, sizes = c.constant(op, 1), None
    _upsample(c, op, x, scales, sizes)


@onnx_import("Upsample", makes=("Upsample2D",))
def upsample(c: Converter, op: Op) -> None:
    if op.attrs.get("mode", "nearest") != "nearest":
        raise op.fail(f"upsamples with mode '{op.attrs['mode']}'; ConvStudio's Upsample2D is nearest-neighbour")
    scales = np.asarray(op.attrs["scales"]) if "scales" in op.attrs else c.constant(op, 1)
    _upsample(c, op, c.source(op, 0), scales, None)


def _upsample(c: Converter, op: Op, x: str, scales, sizes) -> None:
    shape = c.shape_of(x)
    if sizes is not None and np.size(sizes):
        sizes = [int(v) for v in np.asarray(sizes).reshape(-1)]
        scales = [1, 1] + [sizes[2 + a] / shape[1 + a] for a in (0, 1)] if len(sizes) == 4 else None
    factors = [float(v) for v in np.asarray(scales).reshape(-1)] if scales is not None else []
    axes = op.attrs.get("axes")
    if axes is not None:
        full = [1.0] * 4
        for a, f in zip(axes, factors):
            full[a % 4] = f
        factors = full
    if len(factors) != 4 or factors[:2] != [1.0, 1.0] or any(f < 1 or not f.is_integer() for f in factors[2:]):
        raise op.fail(f"scales by {factors}; ConvStudio's Upsample2D repeats pixels a whole number of times")
    c.output(op, c.add(op, "Upsample2D", {"scale_factor": [int(f) for f in factors[2:]]}, [x]))


# -- ZeroPad2D -----------------------------------------------------------------------------------
@torch_module("ZeroPad2D")
def zero_pad_module(p, *_) -> str:
    return "nn.ZeroPad2d(({2}, {3}, {0}, {1}))".format(*p["padding"])


@onnx_export("ZeroPad2D")
def zero_pad_node(b, node, p, ins) -> None:
    t, bottom, left, right = p["padding"]
    pads = b.tensor(f"{node.id}/pads", np.array([0, 0, t, left, 0, 0, bottom, right], np.int64))
    b.emit(node, "Pad", ins + [pads], mode="constant")


@onnx_import("Pad", makes=("ZeroPad2D",))
def pad(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    if op.attrs.get("mode", "constant") != "constant":
        raise op.fail(f"pads in '{op.attrs['mode']}' mode; ConvStudio's ZeroPad2D adds zeros")
    if c.opset >= 11:
        pads = [int(v) for v in np.asarray(c.constant(op, 1)).reshape(-1)]
        value = c.constant(op, 2, required=False)
        axes = c.constant(op, 3, required=False)
    else:
        pads, value, axes = list(op.attrs.get("pads", [])), op.attrs.get("value", 0.0), None
    if value is not None and np.size(value) and float(np.asarray(value).reshape(-1)[0]) != 0.0:
        raise op.fail("pads with a value other than zero")
    if axes is not None:
        full = [0] * 8
        axes = [int(a) % 4 for a in np.asarray(axes).reshape(-1)]
        for i, a in enumerate(axes):
            full[a], full[4 + a] = pads[i], pads[len(axes) + i]
        pads = full
    if len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)) or min(pads) < 0:
        raise op.fail(f"pads {pads}; ConvStudio's ZeroPad2D adds zeros around the height and width only")
    c.output(op, c.add(op, "ZeroPad2D", {"padding": [pads[2], pads[6], pads[3], pads[7]]}, [x]))


# -- ChannelShuffle ------------------------------------------------------------------------------
@torch_module("ChannelShuffle")
def shuffle_module(p, *_) -> str:
    return f"nn.ChannelShuffle({p['groups']})"


@onnx_export("ChannelShuffle")
def shuffle_nodes(b, node, p, ins) -> None:
    """Reshape to N×G×(C/G)×H×W, swap the two channel axes, reshape back: three ONNX nodes."""
    c, h, w = b.report.nodes[node.id].shape
    g = p["groups"]
    split = b.tensor(f"{node.id}/split_shape", np.array([0, g, c // g, h, w], np.int64))
    joined = b.tensor(f"{node.id}/shape", np.array([0, c, h, w], np.int64))
    x = b.emit(node, "Reshape", ins + [split], step="split")
    x = b.emit(node, "Transpose", [x], step="swap", perm=[0, 2, 1, 3, 4])
    b.emit(node, "Reshape", [x, joined])


def _channel_shuffle(c: Converter, op: Op, x: str, target: list[int]) -> bool:
    """Reshape to N×G×(C/G)×H×W → Transpose(0, 2, 1, 3, 4) → Reshape to N×C×H×W is a ChannelShuffle."""
    shape = c.shape_of(x)
    swap_at = c.only_user(op.proto.output[0])
    if len(shape) != 3 or target[0] not in (-1, 0, 1) or target[1] * target[2] != shape[0] \
            or tuple(target[3:]) != shape[1:] or swap_at is None:
        return False
    swap = c.op_at(swap_at)
    join_at = c.only_user(swap.proto.output[0]) if swap.type == "Transpose" else None
    if list(swap.attrs.get("perm", [])) != [0, 2, 1, 3, 4] or join_at is None:
        return False
    join = c.op_at(join_at)
    if join.type != "Reshape" or join.input(1) not in c.constants:
        return False
    back = [int(v) for v in np.asarray(c.constants[join.input(1)]).reshape(-1)]
    if len(back) != 4 or back[0] not in (-1, 0, 1) or tuple(back[1:]) != shape:
        return False
    c.skip.update({swap_at, join_at})
    c.output(join, c.add(join, "ChannelShuffle", {"groups": target[1]}, [x]))
    return True
