"""What each declaration says it is and can do: the rest of the program asks these, never type names."""
from __future__ import annotations

import pytest

from convstudio import layers
from convstudio.graph import coerce_params


def decl(name):
    return layers.get(name)


def test_elementwise_layers_are_channelwise_too():
    for name in layers.names():
        d = decl(name)
        if d.elementwise:
            assert d.channelwise, name


@pytest.mark.parametrize("name, reduce", [("Conv2D", "sum"), ("MaxPool2D", "max"), ("AvgPool2D", "mean"),
                                          ("Dense", ""), ("ConvTranspose2D", "")])
def test_sliding_windows_say_how_they_reduce(name, reduce):
    assert decl(name).sliding == reduce


def test_filters_dense_and_input_are_told_apart():
    assert [n for n in layers.names() if decl(n).has_filters] == ["Conv2D"]
    assert [n for n in layers.names() if decl(n).fully_connected] == ["Dense"]
    assert [n for n in layers.names() if decl(n).is_input] == ["Input"]


def test_id_prefixes_are_unique_and_lower_case():
    prefixes = [decl(n).prefix() for n in layers.names()]
    assert len(set(prefixes)) == len(prefixes)
    assert all(p == p.lower() and p.isidentifier() for p in prefixes)


def test_an_empty_pool_stride_resolves_to_the_kernel():
    p = coerce_params("MaxPool2D", {"kernel_size": 3, "padding": 1})
    q = decl("MaxPool2D").resolved(p, [(8, 32, 32)])
    assert q["stride"] == [3, 3] and q["dilation"] == [1, 1] and q["padding"] == ((1, 1), (1, 1))


def test_same_padding_resolves_to_numbers_for_the_input():
    p = coerce_params("Conv2D", {"kernel_size": 4, "stride": 2, "padding": "same"})
    q = decl("Conv2D").resolved(p, [(3, 7, 8)])
    # o = ⌈i / s⌉: 4 rows need (4 − 1)·2 + 4 − 7 = 3 pixels of padding, the extra one after
    assert q["padding"] == ((1, 2), (1, 1))
    assert decl("Conv2D").output_shape(p, [(3, 7, 8)]) == (16, 4, 4)


def test_other_layers_resolve_to_their_own_parameters():
    p = coerce_params("Dense", {"units": 5})
    assert decl("Dense").resolved(p, [(12,)]) == p


def test_count_lines_spell_out_the_parameter_count():
    p = coerce_params("Conv2D", {"filters": 64, "kernel_size": 3})
    lines = decl("Conv2D").count_lines(p, [(3, 32, 32)], (64, 30, 30))
    assert lines[0] == "64 filters × 3×3×3 + 64 = 1,792"
    assert "900 output positions" in lines[1]
