"""One converter per supported ONNX operation: checks the attributes, adds the layer.

Each converter refuses, with the reason, settings a ConvStudio layer cannot express
(3-D kernels, rounding pools up, linear resizing, …) rather than importing
something that computes differently.
"""
from __future__ import annotations

import numpy as np

from ..layers.arithmetic import same_pad
from .onnx_import import Converter, Op, f32


# -- convolutions ------------------------------------------------------------------------------
def conv(c: Converter, op: Op) -> None:
    x, weight, bias = c.source(op, 0), c.constant(op, 1), c.constant(op, 2, required=False)
    _require_2d(op, weight.ndim - 2)
    kernel = list(op.attrs.get("kernel_shape", weight.shape[2:]))
    stride, dil = _pair_attr(op, "strides"), _pair_attr(op, "dilations")
    size = c.shape_of(x)[1:]
    (t, b), (left, r) = _onnx_pads(op, size, kernel, stride, dil)
    params = {"filters": int(weight.shape[0]), "kernel_size": kernel, "stride": stride, "dilation": dil,
              "groups": int(op.attrs.get("group", 1)), "bias": bias is not None}
    if (t, left) == (b, r):
        params["padding"] = [t, left]
    elif ((t, b), (left, r)) == tuple(same_pad(size[a], kernel[a], stride[a], dil[a]) for a in (0, 1)):
        params["padding"] = "same"
    else:
        x = c.add(op, "ZeroPad2D", {"padding": [t, b, left, r]}, [x], suffix="_pad")
        params["padding"] = [0, 0]
    c.output(op, c.add(op, "Conv2D", params, [x], _weights(weight, bias)))


def conv_transpose(c: Converter, op: Op) -> None:
    x, weight, bias = c.source(op, 0), c.constant(op, 1), c.constant(op, 2, required=False)
    _require_2d(op, weight.ndim - 2)
    if "output_shape" in op.attrs or op.attrs.get("auto_pad", "NOTSET") != "NOTSET":
        raise op.fail("sets output_shape or auto_pad; ConvStudio needs explicit padding and output_padding")
    t, left, b, r = op.attrs.get("pads", [0, 0, 0, 0])
    if (t, left) != (b, r):
        raise op.fail(f"pads {[t, left, b, r]} differ between the two sides; ConvTranspose2D trims both equally")
    group = int(op.attrs.get("group", 1))
    kernel = list(op.attrs.get("kernel_shape", weight.shape[2:]))
    params = {"filters": int(weight.shape[1]) * group, "kernel_size": kernel, "stride": _pair_attr(op, "strides"),
              "padding": [t, left], "output_padding": list(op.attrs.get("output_padding", [0, 0])),
              "dilation": _pair_attr(op, "dilations"), "groups": group, "bias": bias is not None}
    c.output(op, c.add(op, "ConvTranspose2D", params, [x], _weights(weight, bias)))


def _weights(weight, bias) -> dict:
    return {"weight": weight} if bias is None else {"weight": weight, "bias": bias}


# -- pooling ------------------------------------------------------------------------------------
def _pool(type_name: str):
    def convert(c: Converter, op: Op) -> None:
        x = c.source(op, 0)
        kernel = list(op.attrs.get("kernel_shape", []))
        _require_2d(op, len(kernel))
        stride = _pair_attr(op, "strides")
        if _pair_attr(op, "dilations") != [1, 1]:
            raise op.fail("uses dilated pooling, which ConvStudio does not have")
        size = c.shape_of(x)[1:]
        (t, b), (left, r) = _onnx_pads(op, size, kernel, stride, [1, 1])
        if (t, left) != (b, r):
            raise op.fail(f"pads {[t, left, b, r]} differ between the two sides; pooling pads both equally")
        if op.attrs.get("ceil_mode", 0) and any((size[a] + 2 * (t, left)[a] - kernel[a]) % stride[a]
                                                for a in (0, 1)):
            raise op.fail("rounds the output size up (ceil_mode=1); ConvStudio's pooling rounds down")
        if type_name == "AvgPool2D" and (t or left) and not op.attrs.get("count_include_pad", 0):
            raise op.fail("leaves the padding out of the average (count_include_pad=0); "
                          "ConvStudio's AvgPool2D counts padded zeros")
        params = {"kernel_size": kernel, "stride": stride, "padding": [t, left]}
        c.output(op, c.add(op, type_name, params, [x]))
    return convert


# -- normalisation, activations, dense ---------------------------------------------------------------
def batch_norm(c: Converter, op: Op) -> None:
    if op.attrs.get("training_mode", 0):
        raise op.fail("is in training mode; ConvStudio's BatchNorm2D uses running statistics")
    names = ("weight", "bias", "running_mean", "running_var")
    weights = {n: c.constant(op, i + 1) for i, n in enumerate(names)}
    params = {"eps": op.attrs.get("epsilon", 1e-5)}
    c.output(op, c.add(op, "BatchNorm2D", params, [c.source(op, 0)], weights))


def _pointwise(type_name: str, **params_from_attrs):
    def convert(c: Converter, op: Op) -> None:
        params = {k: op.attrs.get(a, d) for k, (a, d) in params_from_attrs.items()}
        c.output(op, c.add(op, type_name, params, [c.source(op, 0)]))
    return convert


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


def identity(c: Converter, op: Op) -> None:
    c.output(op, c.source(op, 0))


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


def matmul(c: Converter, op: Op) -> None:
    weight = c.constant(op, 1)
    if weight.ndim != 2:
        raise op.fail(f"multiplies by a {weight.ndim}-D constant; only a 2-D weight matrix maps to Dense")
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


def flatten(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    rank = len(c.shape_of(x)) + 1
    if op.attrs.get("axis", 1) % rank != 1:
        raise op.fail("flattens from an axis other than 1; ConvStudio's Flatten keeps the batch axis only")
    c.output(op, c.add(op, "Flatten", {}, [x]))


def reshape(c: Converter, op: Op) -> None:
    x = c.source(op, 0)
    target = [int(v) for v in np.asarray(c.constant(op, 1)).reshape(-1)]
    features = int(np.prod(c.shape_of(x)))
    # [0, -1] copies the batch; [1, -1] is how a model exported for one image says the same
    flat = len(target) == 2 and (target[1] == features or (target[1] == -1 and target[0] in (0, 1)))
    if not flat:
        raise op.fail(f"reshapes to {target}; ConvStudio only reshapes by flattening to N×{features}")
    c.output(op, c.add(op, "Flatten", {}, [x]))


# -- merging --------------------------------------------------------------------------------------
def add(c: Converter, op: Op) -> None:
    for name in op.inputs:
        if name in c.constants:
            raise op.fail(f"adds the constant '{name}'; ConvStudio's Add joins the outputs of layers")
    c.output(op, c.add(op, "Add", {}, [c.source(op, i) for i in range(len(op.inputs))]))


def concat(c: Converter, op: Op) -> None:
    sources = [c.source(op, i) for i in range(len(op.inputs))]
    rank = len(c.shape_of(sources[0])) + 1
    if op.attrs.get("axis", 1) % rank != 1:
        raise op.fail("joins along an axis other than the channels (axis 1)")
    c.output(op, c.add(op, "Concat", {}, sources))


# -- resampling and padding ----------------------------------------------------------------------------
EXACT_NEAREST = {("asymmetric", "floor"), ("half_pixel", "round_prefer_floor"),
                 ("half_pixel", "round_prefer_ceil"), ("pytorch_half_pixel", "round_prefer_floor"),
                 ("pytorch_half_pixel", "round_prefer_ceil")}


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


# -- attribute helpers ------------------------------------------------------------------------------
def _require_2d(op: Op, spatial: int) -> None:
    if spatial != 2:
        raise op.fail(f"works on {spatial}-D data; ConvStudio's layers are 2-D (images)")


def _pair_attr(op: Op, name: str) -> list[int]:
    value = list(op.attrs.get(name, [1, 1]))
    if len(value) != 2:
        raise op.fail(f"has {len(value)} {name}; 2-D layers need 2")
    if name in ("strides", "dilations") and any(not isinstance(v, int) or v < 1 for v in value):
        raise op.fail(f"has {name} {value}; each must be at least 1")
    return value


def _onnx_pads(op: Op, size, kernel, stride, dil) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from pads or auto_pad."""
    mode = op.attrs.get("auto_pad", "NOTSET")
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        sides = [same_pad(size[a], kernel[a], stride[a], dil[a]) for a in (0, 1)]
        return tuple(s if mode == "SAME_UPPER" else s[::-1] for s in sides)
    if mode == "VALID":
        return (0, 0), (0, 0)
    t, left, b, r = op.attrs.get("pads", [0, 0, 0, 0])
    return (t, b), (left, r)


OPS = {
    "Conv": conv,
    "ConvTranspose": conv_transpose,
    "MaxPool": _pool("MaxPool2D"),
    "AveragePool": _pool("AvgPool2D"),
    "GlobalAveragePool": _pointwise("GlobalAvgPool2D"),
    "BatchNormalization": batch_norm,
    "Relu": _pointwise("ReLU"),
    "LeakyRelu": _pointwise("LeakyReLU", negative_slope=("alpha", 0.01)),
    "Sigmoid": _pointwise("Sigmoid"),
    "Tanh": _pointwise("Tanh"),
    "Softmax": softmax,
    "Dropout": dropout,
    "Identity": identity,
    "Gemm": gemm,
    "MatMul": matmul,
    "Flatten": flatten,
    "Reshape": reshape,
    "Add": add,
    "Sum": add,
    "Concat": concat,
    "Resize": resize,
    "Upsample": upsample,
    "Pad": pad,
}
