"""Every layer declaration: output shape, parameter count and MACs on small cases worked by hand."""
from __future__ import annotations

import pytest

from convstudio import layers
from convstudio.layers import FAMILIES, LayerType, ShapeError, registry
from convstudio.layers.base import fmt_shape


def params(type_name: str, **given) -> dict:
    decl = layers.get(type_name)
    p = decl.defaults()
    p.update({k: decl.param(k).coerce(v) for k, v in given.items()})
    return p


def cost(type_name: str, inputs, **given):
    """(output shape, parameter count, MACs) of one layer on `inputs`."""
    decl = layers.get(type_name)
    p = params(type_name, **given)
    out = decl.output_shape(p, inputs)
    return out, decl.param_count(p, inputs), decl.macs(p, inputs, out)


# (type, inputs, params, output shape, parameters, MACs), each worked out by hand
CASES = [
    ("Input", [], {"channels": 1, "height": 28, "width": 28}, (1, 28, 28), 0, 0),
    # K·(C·k·k + 1) parameters; one MAC per weight per output pixel: 4·8·8 · 3·3·3
    ("Conv2D", [(3, 8, 8)], {"filters": 4, "kernel_size": 3, "padding": 1}, (4, 8, 8), 4 * (27 + 1), 4 * 64 * 27),
    ("Conv2D", [(3, 8, 8)], {"filters": 4, "kernel_size": 3, "bias": False}, (4, 6, 6), 108, 4 * 36 * 27),
    # groups = 2: each filter sees C/2 = 2 channels
    ("Conv2D", [(4, 5, 5)], {"filters": 6, "kernel_size": 3, "groups": 2}, (6, 3, 3), 6 * (2 * 9 + 1), 6 * 9 * 18),
    # depthwise: one 3×3 filter per channel
    ("Conv2D", [(8, 4, 4)], {"filters": 8, "kernel_size": 3, "groups": 8, "padding": 1}, (8, 4, 4), 8 * 10, 8 * 16 * 9),
    # rectangular kernel and stride: height (6 − 2)/1 + 1 = 5, width (9 − 3)//2 + 1 = 4
    ("Conv2D", [(2, 6, 9)], {"filters": 3, "kernel_size": [2, 3], "stride": [1, 2]}, (3, 5, 4), 3 * (2 * 6 + 1), 3 * 20 * 12),
    # 1×1 convolution: a Dense layer applied to every pixel
    ("Conv2D", [(64, 7, 7)], {"filters": 10, "kernel_size": 1}, (10, 7, 7), 64 * 10 + 10, 10 * 49 * 64),
    # fc as conv: a 7×7 kernel on a 7×7 map
    ("Conv2D", [(512, 7, 7)], {"filters": 4096, "kernel_size": 7}, (4096, 1, 1), 102_764_544, 102_760_448),
    # o′ = s(i′ − 1) + a + k − 2p = 2·2 + 1 + 3 − 2 = 6; weight (C, K, k, k); every input pixel meets K·k·k weights
    ("ConvTranspose2D", [(2, 3, 3)], {"filters": 3, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
     (3, 6, 6), 2 * 3 * 9 + 3, 2 * 9 * 3 * 9),
    ("ConvTranspose2D", [(4, 5, 5)], {"filters": 2, "kernel_size": 2, "stride": 2, "bias": False}, (2, 10, 10), 32, 100 * 2 * 4),
    ("MaxPool2D", [(3, 8, 8)], {"kernel_size": 2}, (3, 4, 4), 0, 0),
    ("MaxPool2D", [(3, 9, 9)], {"kernel_size": 3, "stride": 2, "padding": 1}, (3, 5, 5), 0, 0),
    ("AvgPool2D", [(3, 8, 6)], {"kernel_size": [4, 3]}, (3, 2, 2), 0, 0),
    ("AvgPool2D", [(3, 8, 6)], {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
     (3, 4, 3), 0, 0),
    ("GlobalAvgPool2D", [(512, 7, 7)], {}, (512, 1, 1), 0, 0),
    ("ReLU", [(3, 5, 5)], {}, (3, 5, 5), 0, 0),
    ("LeakyReLU", [(10,)], {"negative_slope": 0.2}, (10,), 0, 0),
    ("Sigmoid", [(2, 3, 4)], {}, (2, 3, 4), 0, 0),
    ("Tanh", [(7,)], {}, (7,), 0, 0),
    ("Softmax", [(1000,)], {}, (1000,), 0, 0),
    ("Dropout", [(4096,)], {"rate": 0.5}, (4096,), 0, 0),
    # weight and bias per channel; the running statistics are not trained
    ("BatchNorm2D", [(64, 56, 56)], {}, (64, 56, 56), 128, 0),
    # divides by its neighbours' energy: no weights, and no multiply–accumulates of the counted kind
    ("LocalResponseNorm", [(96, 55, 55)], {"size": 5}, (96, 55, 55), 0, 0),
    ("Dense", [(400,)], {"units": 120}, (120,), 400 * 120 + 120, 48_000),
    ("Dense", [(84,)], {"units": 10, "bias": False}, (10,), 840, 840),
    ("Add", [(64, 56, 56), (64, 56, 56)], {}, (64, 56, 56), 0, 0),
    ("Add", [(5,), (5,), (5,)], {}, (5,), 0, 0),
    ("Concat", [(16, 8, 8), (32, 8, 8), (8, 8, 8)], {}, (56, 8, 8), 0, 0),
    ("Concat", [(3,), (4,)], {}, (7,), 0, 0),
    ("Flatten", [(16, 5, 5)], {}, (400,), 0, 0),
    ("Flatten", [(12,)], {}, (12,), 0, 0),
    ("Upsample2D", [(3, 4, 5)], {"scale_factor": [2, 3]}, (3, 8, 15), 0, 0),
    ("ZeroPad2D", [(3, 4, 5)], {"padding": [1, 2, 3, 4]}, (3, 7, 12), 0, 0),
    ("ZeroPad2D", [(3, 4, 5)], {"padding": 2}, (3, 8, 9), 0, 0),
    ("ChannelShuffle", [(240, 28, 28)], {"groups": 3}, (240, 28, 28), 0, 0),
]


@pytest.mark.parametrize("type_name,inputs,given,shape,n_params,n_macs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_shape_params_macs(type_name, inputs, given, shape, n_params, n_macs):
    assert cost(type_name, inputs, **given) == (shape, n_params, n_macs)


def test_every_registered_type_has_a_case():
    assert {c[0] for c in CASES} == set(layers.names())


# (type, inputs, params, the plain-language reason)
REFUSALS = [
    ("Conv2D", [(10,)], {}, "expects an image C×H×W but gets a flat vector of 10; move it before Flatten/Dense"),
    ("Conv2D", [(4, 8, 8)], {"groups": 3, "filters": 6}, "groups 3 does not divide the 4 input channels"),
    ("Conv2D", [(4, 8, 8)], {"groups": 2, "filters": 5}, "groups 2 does not divide the 5 filters"),
    ("ConvTranspose2D", [(2, 3, 3)], {"stride": 2, "output_padding": 2},
     "output padding 2 must be smaller than the stride 2 or the dilation 1"),
    ("ConvTranspose2D", [(2, 1, 1)], {"kernel_size": 1, "padding": 1}, "padding 1 removes the whole height of the output"),
    ("MaxPool2D", [(3, 8, 8)], {"kernel_size": 3, "padding": 2}, "padding 2 is more than half the kernel 3"),
    ("AvgPool2D", [(3,)], {}, "expects an image C×H×W but gets a flat vector of 3; move it before Flatten/Dense"),
    ("GlobalAvgPool2D", [(3,)], {}, "expects an image C×H×W but gets a flat vector of 3; move it before Flatten/Dense"),
    ("BatchNorm2D", [(10,)], {}, "expects an image C×H×W but gets a flat vector of 10; move it before Flatten/Dense"),
    ("Dense", [(16, 5, 5)], {}, "expects a flat input; add Flatten or use GlobalAvgPool2D"),
    ("Add", [(64, 56, 56), (128, 28, 28)], {}, "inputs 64×56×56 and 128×28×28 differ"),
    ("Concat", [(3, 8, 8), (3, 4, 4)], {}, "inputs 3×8×8 and 3×4×4 differ in size; only the channels may differ"),
    ("Concat", [(3, 8, 8), (12,)], {}, "inputs 3×8×8 and 12 differ in size; only the channels may differ"),
    ("Upsample2D", [(5,)], {}, "expects an image C×H×W but gets a flat vector of 5; move it before Flatten/Dense"),
    ("LocalResponseNorm", [(96,)], {}, "expects an image C×H×W but gets a flat vector of 96; move it before Flatten/Dense"),
    ("ChannelShuffle", [(10, 4, 4)], {"groups": 3}, "groups 3 does not divide the 10 input channels"),
]


@pytest.mark.parametrize("type_name,inputs,given,reason", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_explain_themselves(type_name, inputs, given, reason):
    with pytest.raises(ShapeError) as e:
        layers.get(type_name).output_shape(params(type_name, **given), inputs)
    assert str(e.value) == reason


def test_weight_shapes_use_pytorch_layouts():
    assert layers.get("Conv2D").weight_shapes(params("Conv2D", filters=6, kernel_size=[3, 5], groups=2), [(4, 9, 9)]) == {
        "weight": (6, 2, 3, 5), "bias": (6,)}
    assert layers.get("ConvTranspose2D").weight_shapes(
        params("ConvTranspose2D", filters=6, kernel_size=3, groups=3, bias=False), [(9, 4, 4)]) == {"weight": (9, 2, 3, 3)}
    assert layers.get("Dense").weight_shapes(params("Dense", units=3), [(7,)]) == {"weight": (3, 7), "bias": (3,)}
    assert layers.get("BatchNorm2D").weight_shapes(params("BatchNorm2D"), [(5, 2, 2)]) == {
        "weight": (5,), "bias": (5,), "running_mean": (5,), "running_var": (5,)}


@pytest.mark.parametrize("type_name,given,text", [
    ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": 1}, "K64 F3 S1 P1"),
    ("Conv2D", {"filters": 8, "kernel_size": [3, 5], "stride": 2, "padding": "same", "dilation": 2, "groups": 2},
     "K8 F3×5 S2 P=same D2 G2"),
    ("ConvTranspose2D", {"filters": 4, "kernel_size": 4, "stride": 2, "padding": 1}, "K4 F4 S2 P1"),
    ("MaxPool2D", {"kernel_size": 2}, "F2 S2"),
    ("MaxPool2D", {"kernel_size": 3, "stride": 2, "padding": 1}, "F3 S2 P1"),
    ("Dense", {"units": 1000}, "K1000"),
    ("Input", {"channels": 3, "height": 224, "width": 224}, "3×224×224"),
    ("Upsample2D", {"scale_factor": 2}, "×2"),
    ("ZeroPad2D", {"padding": [1, 2, 3, 4]}, "P1,2,3,4"),
    ("Dropout", {"rate": 0.25}, "p0.25"),
    ("ReLU", {}, ""),
    ("LocalResponseNorm", {"size": 5}, "n5"),
    ("ChannelShuffle", {"groups": 3}, "G3"),
])
def test_key_params_use_the_teaching_letters(type_name, given, text):
    assert layers.get(type_name).key_params(params(type_name, **given)) == text


def test_declarations_are_complete():
    for name in layers.names():
        decl = layers.get(name)
        assert decl.name == name
        assert decl.family in FAMILIES
        assert decl.summary.strip()
        assert decl.min_inputs >= 0 and (decl.max_inputs is None or decl.max_inputs >= decl.min_inputs)
        for p in decl.params:
            assert p.help.strip(), f"{name}.{p.name} has no help text"
            if p.default is not None:
                p.coerce(p.default)


def test_families_group_every_type_once():
    grouped = layers.by_family()
    assert list(grouped) == list(FAMILIES)
    assert sorted(t.name for ts in grouped.values() for t in ts) == sorted(layers.names())


def test_unknown_type_lists_the_known_ones():
    with pytest.raises(KeyError) as e:
        layers.get("Conv3D")
    assert e.value.args[0].startswith("unknown layer type 'Conv3D'; known types: Add, AvgPool2D, ")


def test_duplicate_declaration_is_an_error():
    class Again(LayerType):
        name = "ReLU"
        family = "Activation"
        summary = "x"

    with pytest.raises(ValueError, match="layer type 'ReLU' is declared twice"):
        registry.register(Again)
    assert type(layers.get("ReLU")).__name__ == "ReLU"


def test_unknown_family_is_an_error():
    class Odd(LayerType):
        name = "OddLayer"
        family = "Recurrent"
        summary = "x"

    with pytest.raises(ValueError, match="unknown family 'Recurrent'"):
        registry.register(Odd)
    assert "OddLayer" not in layers.names()


def test_fmt_shape():
    assert fmt_shape((3, 224, 224)) == "3×224×224"
    assert fmt_shape((10,)) == "10"
    assert fmt_shape(None) == "?"
