"""Written-out arithmetic agrees with the convolution-arithmetic guide (Dumoulin & Visin)."""
from __future__ import annotations

import pytest

from convstudio.engine.infer import infer
from convstudio.graph import AddNode, Network
from convstudio.engine.explain.formula import output_size_lines, parameter_lines


def one_layer(type_name, size, params):
    net = Network()
    AddNode("Input", {"channels": 3, "height": size, "width": size}, node_id="x").redo(net)
    AddNode(type_name, params, node_id="y", inputs=["x"]).redo(net)
    return net.node("y"), infer(net).nodes["y"]


@pytest.mark.parametrize("i,k,s,p,o", [(4, 3, 1, 0, 2), (5, 4, 1, 2, 6), (5, 3, 1, 1, 5), (5, 3, 1, 2, 7),
                                       (5, 3, 2, 0, 2), (5, 3, 2, 1, 3)])
def test_paper_cases(i, k, s, p, o):
    node, rep = one_layer("Conv2D", i, {"kernel_size": k, "stride": s, "padding": p})
    [(label, text)] = output_size_lines(node, rep)
    assert label == "height and width"
    assert text == f"⌊({i} + 2·{p} − {k}) / {s}⌋ + 1 = {o}"
    assert rep.shape[1] == o


def test_dilation_shows_effective_kernel():
    node, rep = one_layer("Conv2D", 56, {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2})
    [(_, text)] = output_size_lines(node, rep)
    assert text.splitlines() == ["k̂ = 3 + (3 − 1)(2 − 1) = 5", "⌊(56 + 2·1 − 5) / 2⌋ + 1 = 27"]


def test_axes_listed_separately_when_they_differ():
    node, rep = one_layer("Conv2D", 10, {"kernel_size": [3, 5]})
    assert [label for label, _ in output_size_lines(node, rep)] == ["height", "width"]


def test_same_padding_shows_both_sides():
    node, rep = one_layer("Conv2D", 56, {"kernel_size": 3, "stride": 2, "padding": "same"})
    [(_, text)] = output_size_lines(node, rep)
    assert text == "⌊(56 + 0 + 1 − 3) / 2⌋ + 1 = 28"


def test_pool_stride_defaults_to_kernel():
    node, rep = one_layer("MaxPool2D", 8, {"kernel_size": 2})
    assert output_size_lines(node, rep) == [("height and width", "⌊(8 + 2·0 − 2) / 2⌋ + 1 = 4")]


def test_transposed_convolution():
    node, rep = one_layer("ConvTranspose2D", 3, {"kernel_size": 3, "stride": 2, "padding": 1})
    [(_, text)] = output_size_lines(node, rep)
    assert text == f"2·(3 − 1) + 0 + 3 − 2·1 = {rep.shape[1]}"


def test_window_that_does_not_fit_says_so():
    node, rep = one_layer("Conv2D", 4, {"kernel_size": 7})
    [(_, text)] = output_size_lines(node, rep)
    assert rep.shape is None and text == "⌊(4 + 2·0 − 7) / 1⌋ + 1 = -2  → the window does not fit"


def test_parameter_count_explained():
    node, rep = one_layer("Conv2D", 32, {"filters": 16, "kernel_size": 3})
    lines = parameter_lines(node, rep)
    assert lines[0] == "16 filters × 3×3×3 + 16 = 448"
    assert "parameter sharing" in lines[1]
