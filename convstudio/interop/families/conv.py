"""Conv2D and ConvTranspose2D: PyTorch code, ONNX export (Conv, ConvTranspose) and import."""
from __future__ import annotations

from ...layers.arithmetic import same_pad
from ..onnx_convert import Converter, Op, onnx_pads, pair_attr, require_2d, weights_of
from ..registry import onnx_export, onnx_import, torch_forward, torch_module
from ..torch_text import kwargs, one


def _pads(node, report) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) for the layer's inferred input, exactly as the engine pads."""
    return node.decl.resolved(node.params, report.nodes[node.id].input_shapes)["padding"]


# -- Conv2D ---------------------------------------------------------------------------------------
@torch_module("Conv2D")
def conv_module(p, ins, node, report) -> str:
    (t, b), (left, r) = _pads(node, report)
    pad = (t, left) if (t, left) == (b, r) else (0, 0)
    extra = kwargs([("stride", one(p["stride"]), "1"), ("padding", one(pad), "0"),
                    ("dilation", one(p["dilation"]), "1"), ("groups", p["groups"], 1), ("bias", p["bias"], True)])
    return f"nn.Conv2d({ins[0][0]}, {p['filters']}, kernel_size={one(p['kernel_size'])}{extra})"


@torch_forward("Conv2D")
def conv_forward(args, attribute, node, report) -> str:
    """Padding that differs between the two sides ("same" at stride 2) goes through F.pad first."""
    (t, b), (left, r) = _pads(node, report)
    x = args[0] if (t, left) == (b, r) else f"F.pad({args[0]}, ({left}, {r}, {t}, {b}))"
    return f"{attribute}({x})"


@onnx_export("Conv2D")
def conv_node(b, node, p, ins) -> None:
    (t, bottom), (left, right) = _pads(node, b.report)
    inputs = ins + [b.weight(node, "weight")] + ([b.weight(node, "bias")] if p["bias"] else [])
    b.emit(node, "Conv", inputs, kernel_shape=p["kernel_size"], strides=p["stride"],
           pads=[t, left, bottom, right], dilations=p["dilation"], group=p["groups"])


@onnx_import("Conv", makes=("Conv2D",))
def conv(c: Converter, op: Op) -> None:
    x, weight, bias = c.source(op, 0), c.constant(op, 1), c.constant(op, 2, required=False)
    require_2d(op, weight.ndim - 2)
    kernel = list(op.attrs.get("kernel_shape", weight.shape[2:]))
    stride, dil = pair_attr(op, "strides"), pair_attr(op, "dilations")
    size = c.shape_of(x)[1:]
    (t, b), (left, r) = onnx_pads(op, size, kernel, stride, dil)
    params = {"filters": int(weight.shape[0]), "kernel_size": kernel, "stride": stride, "dilation": dil,
              "groups": int(op.attrs.get("group", 1)), "bias": bias is not None}
    if (t, left) == (b, r):
        params["padding"] = [t, left]
    elif ((t, b), (left, r)) == tuple(same_pad(size[a], kernel[a], stride[a], dil[a]) for a in (0, 1)):
        params["padding"] = "same"
    else:
        x = c.add(op, "ZeroPad2D", {"padding": [t, b, left, r]}, [x], suffix="_pad")
        params["padding"] = [0, 0]
    c.output(op, c.add(op, "Conv2D", params, [x], weights_of(weight, bias)))


# -- ConvTranspose2D ------------------------------------------------------------------------------
@torch_module("ConvTranspose2D")
def deconv_module(p, ins, node, report) -> str:
    extra = kwargs([("stride", one(p["stride"]), "1"), ("padding", one(p["padding"]), "0"),
                    ("output_padding", one(p["output_padding"]), "0"), ("groups", p["groups"], 1),
                    ("bias", p["bias"], True), ("dilation", one(p["dilation"]), "1")])
    return f"nn.ConvTranspose2d({ins[0][0]}, {p['filters']}, kernel_size={one(p['kernel_size'])}{extra})"


@onnx_export("ConvTranspose2D")
def deconv_node(b, node, p, ins) -> None:
    ph, pw = p["padding"]
    inputs = ins + [b.weight(node, "weight")] + ([b.weight(node, "bias")] if p["bias"] else [])
    b.emit(node, "ConvTranspose", inputs, kernel_shape=p["kernel_size"], strides=p["stride"],
           pads=[ph, pw, ph, pw], output_padding=p["output_padding"], dilations=p["dilation"],
           group=p["groups"])


@onnx_import("ConvTranspose", makes=("ConvTranspose2D",))
def conv_transpose(c: Converter, op: Op) -> None:
    x, weight, bias = c.source(op, 0), c.constant(op, 1), c.constant(op, 2, required=False)
    require_2d(op, weight.ndim - 2)
    if "output_shape" in op.attrs or op.attrs.get("auto_pad", "NOTSET") != "NOTSET":
        raise op.fail("sets output_shape or auto_pad; ConvStudio needs explicit padding and output_padding")
    t, left, b, r = op.attrs.get("pads", [0, 0, 0, 0])
    if (t, left) != (b, r):
        raise op.fail(f"pads {[t, left, b, r]} differ between the two sides; ConvTranspose2D trims both equally")
    group = int(op.attrs.get("group", 1))
    kernel = list(op.attrs.get("kernel_shape", weight.shape[2:]))
    params = {"filters": int(weight.shape[1]) * group, "kernel_size": kernel, "stride": pair_attr(op, "strides"),
              "padding": [t, left], "output_padding": list(op.attrs.get("output_padding", [0, 0])),
              "dilation": pair_attr(op, "dilations"), "groups": group, "bias": bias is not None}
    c.output(op, c.add(op, "ConvTranspose2D", params, [x], weights_of(weight, bias)))
