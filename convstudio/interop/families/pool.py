"""MaxPool2D, AvgPool2D, GlobalAvgPool2D: PyTorch code, ONNX export and import."""
from __future__ import annotations

from ..onnx_convert import Converter, Op, onnx_pads, pair_attr, pointwise, require_2d
from ..registry import onnx_export, onnx_import, torch_module
from ..torch_text import kwargs, one


def _torch_pool(kind: str):
    def build(p, ins, node, report) -> str:
        q = node.decl.resolved(p, ins)
        extra = kwargs([("padding", one(p["padding"]), "0"),
                        ("count_include_pad", p.get("count_include_pad", True), True)])
        return f"nn.{kind}(kernel_size={one(p['kernel_size'])}, stride={one(q['stride'])}{extra})"
    return build


def _onnx_pool(op: str):
    def emit(b, node, p, ins) -> None:
        q = node.decl.resolved(p, _inputs_of(b, node))
        ph, pw = p["padding"]
        extra = {"count_include_pad": int(p["count_include_pad"])} if "count_include_pad" in p else {}
        b.emit(node, op, ins, kernel_shape=p["kernel_size"], strides=q["stride"], pads=[ph, pw, ph, pw], **extra)
    return emit


def _inputs_of(b, node):
    return b.report.nodes[node.id].input_shapes


def _import_pool(type_name: str):
    def convert(c: Converter, op: Op) -> None:
        x = c.source(op, 0)
        kernel = list(op.attrs.get("kernel_shape", []))
        require_2d(op, len(kernel))
        stride = pair_attr(op, "strides")
        if pair_attr(op, "dilations") != [1, 1]:
            raise op.fail("uses dilated pooling, which ConvStudio does not have")
        size = c.shape_of(x)[1:]
        (t, b), (left, r) = onnx_pads(op, size, kernel, stride, [1, 1])
        if (t, left) != (b, r) and type_name == "MaxPool2D" and _nonnegative(c, x):
            # zeros are never larger than the image's values here, so they pad exactly like −∞
            x = c.add(op, "ZeroPad2D", {"padding": [t, b, left, r]}, [x], suffix="_pad")
            size, t, b, left, r = c.shape_of(x)[1:], 0, 0, 0, 0
        if (t, left) != (b, r):
            raise op.fail(f"pads {[t, left, b, r]} differ between the two sides; pooling pads both equally")
        if op.attrs.get("ceil_mode", 0) and any((size[a] + 2 * (t, left)[a] - kernel[a]) % stride[a]
                                                for a in (0, 1)):
            raise op.fail("rounds the output size up (ceil_mode=1); ConvStudio's pooling rounds down")
        params = {"kernel_size": kernel, "stride": stride, "padding": [t, left]}
        if type_name == "AvgPool2D":
            params["count_include_pad"] = bool(op.attrs.get("count_include_pad", 0)) or not (t or left)
        c.output(op, c.add(op, type_name, params, [x]))
    return convert


torch_module("MaxPool2D")(_torch_pool("MaxPool2d"))
onnx_export("MaxPool2D")(_onnx_pool("MaxPool"))
onnx_import("MaxPool", makes=("MaxPool2D",))(_import_pool("MaxPool2D"))

torch_module("AvgPool2D")(_torch_pool("AvgPool2d"))
onnx_export("AvgPool2D")(_onnx_pool("AveragePool"))
onnx_import("AveragePool", makes=("AvgPool2D",))(_import_pool("AvgPool2D"))


@torch_module("GlobalAvgPool2D")
def gap_module(p, ins, node, report) -> str:
    return "nn.AdaptiveAvgPool2d(1)"


@onnx_export("GlobalAvgPool2D")
def gap_node(b, node, p, ins) -> None:
    b.emit(node, "GlobalAveragePool", ins)


onnx_import("GlobalAveragePool", makes=("GlobalAvgPool2D",))(pointwise("GlobalAvgPool2D"))


NEVER_NEGATIVE = {"ReLU", "Sigmoid", "Softmax"}
SIGN_KEEPING = {"MaxPool2D", "Concat", "ZeroPad2D", "Dropout", "LocalResponseNorm", "ChannelShuffle", "Upsample2D"}


def _nonnegative(c: Converter, nid: str) -> bool:
    """Whether a layer's output is ≥ 0 by construction (a ReLU, or layers that keep the sign of ReLUs)."""
    layer = c.layer(nid)
    if layer.type in NEVER_NEGATIVE:
        return True
    return layer.type in SIGN_KEEPING and all(_nonnegative(c, s) for s in layer.inputs)
