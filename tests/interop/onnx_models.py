"""Small ONNX models built with onnx.helper for the import tests."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, initializers, opset: int = 17, name: str = "handmade"):
    graph = helper.make_graph(nodes, name, inputs, outputs, [numpy_helper.from_array(v, k)
                                                             for k, v in initializers.items()])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def image(name: str, c: int, h: int, w: int):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", c, h, w])


def result(name: str, rank: int = 4):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N"] + [f"{name}_{i}" for i in range(1, rank)])


def handmade():
    """Operations and spellings torch's exporter does not produce: auto_pad, MatMul + Add, Sum,
    Reshape, Identity, Constant, Resize by sizes with half_pixel, Pad with explicit zero value,
    asymmetric Conv pads, Gemm with transB=0, alpha and beta."""
    rng = np.random.default_rng(0)

    def r(*shape):
        return (0.2 * rng.standard_normal(shape)).astype(np.float32)

    init = {
        "w1": r(6, 3, 3, 3), "b1": r(6), "w2": r(6, 6, 3, 3), "w3": r(6, 6, 2, 2),
        "sizes": np.array([1, 6, 10, 12], np.int64), "pads": np.array([0, 0, 1, 0, 0, 0, 0, 2], np.int64),
        "zero": np.array(0.0, np.float32), "shape": np.array([0, -1], np.int64),
        "mm": r(6 * 11 * 14, 8), "mb": r(8), "gw": r(8, 4), "gb": r(1, 4),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="same_upper", auto_pad="SAME_UPPER",
                         kernel_shape=[3, 3], strides=[2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"], name="r1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="lopsided", pads=[1, 0, 2, 1]),
        helper.make_node("Identity", ["c2"], ["i2"], name="passthrough"),
        helper.make_node("Constant", [], ["scales_unused"], name="const",
                         value=numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32))),
        helper.make_node("Resize", ["r1", "", "", "sizes"], ["up"], name="grow", mode="nearest",
                         coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_floor"),
        helper.make_node("Conv", ["up", "w3"], ["c3"], name="c3", pads=[0, 0, 1, 1]),
        helper.make_node("Sum", ["c3", "up", "c3"], ["s"], name="sum3"),
        helper.make_node("Pad", ["s", "pads", "zero"], ["p"], name="pad"),
        helper.make_node("Reshape", ["p", "shape"], ["flat"], name="flat"),
        helper.make_node("MatMul", ["flat", "mm"], ["mmo"], name="fc1"),
        helper.make_node("Add", ["mmo", "mb"], ["fc1o"], name="fc1_bias"),
        helper.make_node("Gemm", ["fc1o", "gw", "gb"], ["g"], name="fc2", alpha=0.5, beta=2.0),
        helper.make_node("Softmax", ["g"], ["probs"], name="probs", axis=-1),
    ]
    return model(nodes, [image("x", 3, 10, 12)], [result("probs", 2), result("i2")], init)


def single(op: str, name: str = "foo", domain: str = "", **attrs):
    """Conv followed by one node of type `op` (for unsupported-operation errors)."""
    init = {"w": np.ones((2, 1, 3, 3), np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node(op, ["c"], ["y"], name=name, domain=domain, **attrs)]
    m = model(nodes, [image("x", 1, 8, 8)], [result("y")], init) if not domain else None
    if m is None:
        graph = helper.make_graph(nodes, "g", [image("x", 1, 8, 8)], [result("y")],
                                  [numpy_helper.from_array(init["w"], "w")])
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(domain, 1)])
        m.ir_version = 8
    return m
