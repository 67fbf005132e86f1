"""Receptive fields: the formula of Araujo et al., checked against brute force and the literature."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convstudio.engine import receptive
from convstudio.engine.infer import infer
from convstudio.graph import AddNode, Network, UndoStack
from convstudio.io.templates import load_template
from convstudio.layers import GLOBAL, Window


def chain(input_hw, *layers_) -> Network:
    """Input then (type, params) layers one after another, ids l1, l2, …"""
    net = Network("rf")
    stack = UndoStack(net)
    stack.push(AddNode("Input", {"channels": 1, "height": input_hw[0], "width": input_hw[1]}, node_id="image"))
    last = "image"
    for k, (type_name, params) in enumerate(layers_, 1):
        stack.push(AddNode(type_name, params, node_id=f"l{k}", inputs=[last]))
        last = f"l{k}"
    return net


def field(net, nid="last", **kw):
    report = infer(net, **kw)
    return report.nodes[report.order[-1] if nid == "last" else nid].receptive_field


def conv(k, s=1, p=0, d=1):
    return "Conv2D", {"filters": 1, "kernel_size": k, "stride": s, "padding": p, "dilation": d}


def test_input_pixel_sees_itself():
    f = field(chain((5, 5)))
    assert (f.size, f.jump, f.start, f.clipped, f.describe()) == ((1.0, 1.0), (1.0, 1.0), (0.0, 0.0), (1, 1), "1×1")


def test_two_3x3_convolutions_see_5x5():
    assert field(chain((32, 32), conv(3), conv(3))).clipped == (5, 5)
    assert field(chain((32, 32), conv(3), conv(3), conv(3))).clipped == (7, 7)


def test_stride_widens_later_layers():
    f = field(chain((32, 32), conv(3, s=2), conv(3)))
    assert f.size == (7.0, 7.0) and f.jump == (2.0, 2.0)


def test_dilation():
    assert field(chain((32, 32), conv(3, d=2))).clipped == (5, 5)
    assert field(chain((32, 32), conv(3, d=2), conv(3, d=4))).clipped == (13, 13)


def test_rectangular_kernel():
    assert field(chain((32, 32), ("Conv2D", {"kernel_size": [1, 5]}))).clipped == (1, 5)


def test_padding_moves_the_centre_not_the_size():
    f = field(chain((8, 8), conv(3, p=1)))
    assert f.size == (3.0, 3.0) and f.start == (0.0, 0.0)
    assert f.box(0, 0) == (-1.0, -1.0, 1.0, 1.0)
    f = field(chain((8, 8), conv(3)))
    assert f.start == (1.0, 1.0) and f.box(2, 3) == (2.0, 3.0, 4.0, 5.0)


def test_clipped_to_the_input():
    f = field(chain((6, 6), conv(5), conv(3, p=1), conv(3, p=1)))
    assert f.size == (9.0, 9.0) and f.clipped == (6, 6)


def test_whole_input_after_global_layers():
    for last in [("GlobalAvgPool2D", {}), ("Flatten", {})]:
        f = field(chain((10, 12), conv(3), last))
        assert f.whole and f.clipped == (10, 12) and f.describe() == "whole input"
    f = field(chain((10, 12), ("Flatten", {}), ("Dense", {"units": 3}), ("ReLU", {})))
    assert f.whole and f.box(0, 0) == (0.0, 0.0, 9.0, 11.0)


def test_merge_takes_the_widest():
    a = receptive.Field((3.0, 3.0), (1.0, 1.0), (1.0, 1.0), (8, 8))
    b = receptive.Field((5.0, 5.0), (1.0, 1.0), (2.0, 2.0), (8, 8))
    assert receptive.merge([a, b]) == b
    net = chain((16, 16), conv(3, p=1), conv(3, p=1))
    stack = UndoStack(net)
    stack.push(AddNode("Conv2D", {"filters": 1, "kernel_size": 1}, node_id="short", inputs=["image"]))
    stack.push(AddNode("Concat", node_id="cat", inputs=["short", "l2"], position=(0, 0)))
    assert field(net, "cat").clipped == (5, 5)


def test_upsampling_makes_the_jump_fractional():
    f = field(chain((8, 8), ("Upsample2D", {"scale_factor": 2})))
    assert f.size == (1.0, 1.0) and f.jump == (0.5, 0.5)
    f = field(chain((8, 8), ("ConvTranspose2D", {"filters": 1, "kernel_size": 2, "stride": 2})))
    assert f.size == (1.0, 1.0) and f.jump == (0.5, 0.5)
    f = field(chain((8, 8), ("ConvTranspose2D", {"filters": 1, "kernel_size": 4, "stride": 2, "padding": 1})))
    assert f.size == (2.0, 2.0)


def test_zero_padding_shifts_the_start():
    f = field(chain((8, 8), ("ZeroPad2D", {"padding": [2, 0, 3, 0]})))
    assert f.size == (1.0, 1.0) and f.start == (-2.0, -3.0)


def test_step_with_explicit_windows():
    f = receptive.for_input(20, 20)
    assert receptive.step(f, None) is f
    g = receptive.step(f, (Window(3, 2, 1), Window(5, 1, 2)))
    assert g.size == (3.0, 5.0) and g.jump == (2.0, 1.0) and g.start == (0.0, 0.0)
    assert receptive.step(g, GLOBAL).whole


# -- brute force: follow every tap back to the input ----------------------------------------------
def touched(j: int, stack) -> tuple[int, int]:
    """(first, last) input coordinate (padding included) that output pixel j depends on."""
    positions = {j}
    for k, s, p, d in reversed(stack):
        positions = {o * s - p + t * d for o in positions for t in range(k)}
    return min(positions), max(positions)


layer_st = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))


@given(stack=st.lists(layer_st, min_size=1, max_size=4), j=st.integers(0, 3))
def test_field_matches_brute_force(stack, j):
    stack = [(k, s, min(p, k - 1), d) for k, s, p, d in stack]
    net = chain((200, 7), *[conv([k, 1], [s, 1], [p, 0], [d, 1]) for k, s, p, d in stack])
    report = infer(net)
    last = report.nodes[report.order[-1]]
    if not last.ok or last.shape[1] <= j:
        return
    first, end = touched(j, stack)
    f = last.receptive_field
    top, _, bottom, _ = f.box(j, 0)
    assert f.size[0] == end - first + 1
    assert (top, bottom) == (first, end)


# -- the literature -------------------------------------------------------------------------------
def test_vgg16_receptive_fields():
    """conv5_3 sees 196×196 pixels and pool5 212×212 (e.g. Araujo et al. 2019)."""
    report = infer(load_template("vgg16"))
    rf = {i: report.nodes[i].receptive_field for i in report.order}
    assert rf["conv1_2"].clipped == (5, 5)
    assert rf["pool1"].clipped == (6, 6)
    assert rf["conv5_3"].clipped == (196, 196)
    assert rf["pool5"].clipped == (212, 212)
    assert rf["pool5"].jump == (32.0, 32.0)
    assert rf["pool5"].start == (15.5, 15.5)
    assert rf["fc6"].whole


@pytest.mark.parametrize("name,node,size", [
    ("alexnet", "conv5", 163), ("alexnet", "pool5", 195),
    ("lenet5", "conv2", 14), ("lenet5", "pool2", 16),
    ("tinyvgg", "pool2", 16), ("fcn3", "score", 64),
])
def test_template_receptive_fields(name, node, size):
    assert infer(load_template(name)).nodes[node].receptive_field.clipped == (size, size)


def test_resnet18_field_is_larger_than_the_image():
    report = infer(load_template("resnet18"))
    f = report.nodes["layer4.1.relu2"].receptive_field
    assert f.size == (435.0, 435.0)
    assert f.clipped == (224, 224)
    assert report.nodes["avgpool"].receptive_field.whole
