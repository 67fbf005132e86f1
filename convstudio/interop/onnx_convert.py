"""The machinery that turns ONNX nodes into layers: `Op` (one node) and `Converter` (one model).

The converters of single operations (interop/families/) work through a Converter: they read
constants and input shapes from it and add layers to it, checked one by one so a
problem names the ONNX node.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .. import layers
from ..engine.infer import infer
from ..engine.weights import WeightSet, check_weights
from ..errors import ConvStudioError, FormatError, GraphError
from ..graph import Network, Node, coerce_params, id_prefix, layered_positions
from ..layers import Shape, ShapeError, fmt_shape
from ..layers.arithmetic import same_pad
from .names import layer_id
from .onnx_support import HINTS_KEY

ANONYMOUS_GRAPHS = {"", "main_graph", "torch_jit", "torch-jit-export"}
FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


def first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else ""


@dataclass
class Op:
    """One ONNX node as the converters see it: its label for messages and decoded attributes."""

    proto: object
    label: str
    attrs: dict = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.proto.op_type

    @property
    def inputs(self) -> list[str]:
        return list(self.proto.input)

    def input(self, i: int) -> str:
        return self.proto.input[i] if i < len(self.proto.input) else ""

    def fail(self, reason: str) -> ConvStudioError:
        return ConvStudioError(f"node '{self.label}' ({self.type}): {reason}")


class Converter:
    """Builds the layers, weights and tensor bookkeeping of one model."""

    def __init__(self, onnx, model, fallback_name: str, ops: dict):
        self.onnx, self.model, self.graph, self.ops = onnx, model, model.graph, ops
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self.name = self.graph.name if self.graph.name not in ANONYMOUS_GRAPHS else fallback_name
        try:
            self.constants: dict[str, np.ndarray] = {
                t.name: onnx.numpy_helper.to_array(t) for t in self.graph.initializer}
        except (ValueError, TypeError, KeyError, OSError) as e:  # data that does not match its shape or type
            raise FormatError(f"{fallback_name}: an initializer cannot be read ({first_line(e)})") from None
        self.producer: dict[str, str] = {}  # tensor name → layer id
        self.shapes: dict[str, Shape] = {}  # layer id → per-sample shape
        self.nodes: list[Node] = []
        self.weights: WeightSet = {}
        self.used: set[str] = set()
        self.skip: set[int] = set()  # nodes already done: constants, MatMul's bias Add
        self.users = self._users()
        self.hints = self._hints()

    # -- the whole graph ---------------------------------------------------------------------
    def convert(self) -> tuple[Network, WeightSet]:
        for value in self.graph.input:
            if value.name not in self.constants:
                self._input(value)
        if not self.nodes:
            raise ConvStudioError(f"{self.name}: the model has no image input")
        for index, proto in enumerate(self.graph.node):
            if self._foldable(proto):
                self._fold(self._op(proto, index))
                self.skip.add(index)
        for index, proto in enumerate(self.graph.node):
            if index in self.skip:
                continue
            op = self._op(proto, index)
            if self._foldable(proto):  # shape arithmetic on a layer's output, known by now
                self._fold(op)
            else:
                self._node(op)
        return self._finish()

    def _finish(self) -> tuple[Network, WeightSet]:
        draft = Network(self.name, "", self.nodes)
        positions = layered_positions(draft)
        nodes = [Node(n.id, n.type, n.params, n.inputs, positions[n.id]) for n in self.nodes]
        net = Network(self.name, self._description(), nodes)
        report = infer(net)
        if report.errors:
            raise ConvStudioError(f"the converted network does not fit: {report.errors[0].message}")
        check_weights(net, self.weights, report)
        return net, self.weights

    def _description(self) -> str:
        if self.graph.doc_string:
            return self.graph.doc_string
        made_by = " ".join(filter(None, [self.model.producer_name, self.model.producer_version]))
        return f"Imported from ONNX{f' (made by {made_by})' if made_by else ''}."

    def _users(self) -> dict[str, list[int]]:
        users: dict[str, list[int]] = {}
        for index, proto in enumerate(self.graph.node):
            for name in proto.input:
                users.setdefault(name, []).append(index)
        for value in self.graph.output:
            users.setdefault(value.name, []).append(-1)
        return users

    def _hints(self) -> dict:
        for prop in self.model.metadata_props:
            if prop.key == HINTS_KEY:
                try:
                    hints = json.loads(prop.value)
                    json.dumps(hints)  # a document nested too deeply for later use fails here, once
                except (ValueError, RecursionError):
                    return {}
                return hints if isinstance(hints, dict) else {}
        return {}

    def _input(self, value) -> None:
        t = value.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        shown = "×".join("?" if d is None else str(d) for d in dims) or "unknown"
        if len(dims) != 4 or any(d is None or d < 1 for d in dims[1:]) or t.elem_type not in FLOAT_TYPES:
            raise ConvStudioError(f"input '{value.name}' has shape {shown}; ConvStudio's Input layer takes "
                                  "float images N×C×H×W with fixed C, H and W")
        c, h, w = dims[1:]
        try:
            coerce_params("Input", {"channels": c, "height": h, "width": w})
        except GraphError as e:
            raise ConvStudioError(f"input '{value.name}' has shape {shown}, which the Input layer cannot take "
                                  f"({str(e).split(': ', 1)[-1]})") from None
        nid = layer_id(value.name, "image", self.used)
        self._append(nid, "Input", {"channels": c, "height": h, "width": w}, [], (c, h, w))
        self.producer[value.name] = nid

    def op_at(self, index: int) -> Op:
        """The graph's node `index` as an Op, for converters that take several nodes as one layer."""
        return self._op(self.graph.node[index], index)

    def layer(self, nid: str) -> Node:
        return next(n for n in self.nodes if n.id == nid)

    def only_user(self, tensor: str) -> int | None:
        """The index of the one node that reads `tensor`, None when several (or the model's output) do."""
        users = self.users.get(tensor, [])
        return users[0] if len(users) == 1 and users[0] >= 0 else None

    def _op(self, proto, index: int) -> Op:
        label = proto.name or (proto.output[0] if proto.output else f"#{index}")
        return Op(proto, label, {a.name: _attr(self.onnx, a) for a in proto.attribute})

    def _node(self, op: Op) -> None:
        proto, label = op.proto, op.label
        convert = self.ops.get(proto.op_type) if proto.domain in ("", "ai.onnx") else None
        if convert is None:
            kind = proto.op_type if proto.domain in ("", "ai.onnx") else f"{proto.domain}.{proto.op_type}"
            raise ConvStudioError(f"node '{label}' uses {kind}, which ConvStudio has no layer for")
        for extra in proto.output[1:]:
            if extra and extra in self.users:
                raise op.fail(f"its output '{extra}' is used, but ConvStudio layers have one output")
        try:
            convert(self, op)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, ArithmeticError,
                RecursionError) as e:  # odd but checker-valid input
            raise op.fail(f"cannot be converted ({type(e).__name__}: {first_line(e)})") from None

    def _foldable(self, proto) -> bool:
        """Constants, the Shape of a layer's output, and computations on those only.

        These are the shape arithmetic exporters leave behind, as in x.view(x.size(0), -1).
        """
        names = [n for n in proto.input if n]
        if proto.domain not in ("", "ai.onnx"):
            return False
        if proto.op_type == "Shape" and names[0] in self.producer:
            return True
        return proto.op_type == "Constant" or bool(names) and all(n in self.constants for n in names)

    def _fold(self, op: Op) -> None:
        """Work out a constant node's value with onnx's reference evaluator.

        The batch size of a layer's output reads as 0 in its Shape: the value Reshape
        takes to mean "keep this dimension", which is how flattening code uses it.
        """
        from onnx.reference import ReferenceEvaluator

        if op.type == "Shape" and op.input(0) in self.producer:
            shape = np.array([0, *self.shapes[self.producer[op.input(0)]]], np.int64)
            self.constants[op.proto.output[0]] = shape[op.attrs.get("start", 0):op.attrs.get("end")]
            return
        feeds = {n: self.constants[n] for n in op.inputs if n}
        h = self.onnx.helper
        graph = h.make_graph([op.proto], "constant", [h.make_empty_tensor_value_info(n) for n in feeds],
                             [h.make_empty_tensor_value_info(n) for n in op.proto.output if n])
        try:  # evaluated at the model's opset: Unsqueeze took its axes as an attribute before opset 13
            values = ReferenceEvaluator(graph, opsets={"": self.opset}).run(None, feeds)
        except Exception as e:  # noqa: BLE001 - the evaluator raises whatever the operation's code raises
            raise op.fail(f"cannot work out its constant value ({first_line(e)})") from None
        for name, value in zip(op.proto.output, values):
            self.constants[name] = np.asarray(value)

    # -- used by the converters ---------------------------------------------------------------
    def source(self, op: Op, i: int) -> str:
        """The layer producing input `i` of `op`."""
        name = op.input(i)
        if name in self.producer:
            return self.producer[name]
        if name in self.constants:
            raise op.fail(f"input '{name}' is a constant; ConvStudio layers take their inputs from layers")
        raise op.fail(f"input '{name}' comes from nowhere")

    def constant(self, op: Op, i: int, required: bool = True) -> np.ndarray | None:
        """The constant array at input `i` (None when absent and optional)."""
        name = op.input(i)
        if not name:
            if required:
                raise op.fail(f"input {i + 1} is missing")
            return None
        if name not in self.constants:
            raise op.fail(f"input '{name}' must be a constant (weights computed at run time are not supported)")
        return self.constants[name]

    def shape_of(self, nid: str) -> Shape:
        return self.shapes[nid]

    def add(self, op: Op, type_name: str, params: dict, inputs: list[str], weights: dict | None = None,
            suffix: str = "") -> str:
        """Append a layer converted from `op`; its shape is checked at once so errors name the node."""
        base = op.proto.name or (op.proto.output[0] if op.proto.output else "")
        nid = layer_id(base + suffix, id_prefix(layers.get(type_name)), self.used, op.type)
        try:
            params = coerce_params(type_name, params, node_id=nid)
        except GraphError as e:
            raise op.fail(str(e)) from None
        shapes = [self.shapes[s] for s in inputs]
        try:
            shape = layers.get(type_name).output_shape(params, shapes)
        except ShapeError as e:
            raise op.fail(str(e)) from None
        params = self._hinted(nid, type_name, params, shapes)
        self._check_weights(op, layers.get(type_name).weight_shapes(params, shapes), weights or {})
        self._append(nid, type_name, params, inputs, shape)
        if weights:
            self.weights[nid] = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        return nid

    @staticmethod
    def _check_weights(op: Op, expected: dict, weights: dict) -> None:
        for name, arr in weights.items():
            want = tuple(expected.get(name, ()))
            if tuple(np.shape(arr)) != want:
                raise op.fail(f"its {name} is {fmt_shape(np.shape(arr))} but the layer it becomes needs "
                              f"{fmt_shape(want)}")

    def output(self, op: Op, nid: str) -> None:
        """Record that `op`'s first output is layer `nid`'s output."""
        self.producer[op.proto.output[0]] = nid

    def _append(self, nid: str, type_name: str, params: dict, inputs: list[str], shape: Shape) -> None:
        self.used.add(nid)
        self.nodes.append(Node(nid, type_name, params, list(inputs)))
        self.shapes[nid] = tuple(shape)

    def _hinted(self, nid: str, type_name: str, params: dict, shapes: list[Shape]) -> dict:
        """The exporter's own spelling of the parameters when it means exactly the same."""
        hint = self.hints.get(nid)
        if not isinstance(hint, dict) or hint.get("type") != type_name:
            return params
        try:
            spelled = coerce_params(type_name, hint.get("params"), node_id=nid)
        except (GraphError, TypeError, AttributeError):
            return params
        decl = layers.get(type_name)
        same = decl.resolved(spelled, shapes) == decl.resolved(params, shapes)
        return spelled if same else params


def _attr(onnx, a):
    value = onnx.helper.get_attribute_value(a)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return f32(value)
    return value


def f32(value: float) -> float:
    """A float32 number as the shortest decimal that is the same float32 (0.3, not 0.30000001192)."""
    return float(str(np.float32(value)))


# -- attribute helpers shared by the converters ---------------------------------------------------
def require_2d(op: Op, spatial: int) -> None:
    if spatial != 2:
        raise op.fail(f"works on {spatial}-D data; ConvStudio's layers are 2-D (images)")


def pair_attr(op: Op, name: str) -> list[int]:
    value = list(op.attrs.get(name, [1, 1]))
    if len(value) != 2:
        raise op.fail(f"has {len(value)} {name}; 2-D layers need 2")
    if name in ("strides", "dilations") and any(not isinstance(v, int) or v < 1 for v in value):
        raise op.fail(f"has {name} {value}; each must be at least 1")
    return value


def onnx_pads(op: Op, size, kernel, stride, dil) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from pads or auto_pad."""
    mode = op.attrs.get("auto_pad", "NOTSET")
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        sides = [same_pad(size[a], kernel[a], stride[a], dil[a]) for a in (0, 1)]
        return tuple(s if mode == "SAME_UPPER" else s[::-1] for s in sides)
    if mode == "VALID":
        return (0, 0), (0, 0)
    t, left, b, r = op.attrs.get("pads", [0, 0, 0, 0])
    return (t, b), (left, r)


def weights_of(weight, bias) -> dict:
    return {"weight": weight} if bias is None else {"weight": weight, "bias": bias}


def pointwise(type_name: str, **params_from_attrs):
    """A converter for an operation that is one layer with parameters read from attributes."""
    def convert(c: Converter, op: Op) -> None:
        params = {k: op.attrs.get(a, d) for k, (a, d) in params_from_attrs.items()}
        c.output(op, c.add(op, type_name, params, [c.source(op, 0)]))
    return convert
