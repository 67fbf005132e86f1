"""Param: canonical values, exact refusal messages, and a JSON Schema that agrees with `coerce`."""
from __future__ import annotations

import math

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convstudio import layers
from convstudio.layers import Param, ParamError

CONV = layers.get("Conv2D")
F = CONV.param("filters")
K = CONV.param("kernel_size")
P = CONV.param("padding")
BIAS = CONV.param("bias")
RATE = layers.get("Dropout").param("rate")
EPS = layers.get("BatchNorm2D").param("eps")
POOL_STRIDE = layers.get("MaxPool2D").param("stride")
PAD4 = layers.get("ZeroPad2D").param("padding")

ACCEPT = [
    (F, 3, 3),
    (F, 3.0, 3),
    (F, 65536, 65536),
    (K, 3, [3, 3]),
    (K, [3, 5], [3, 5]),
    (K, (2, 4), [2, 4]),
    (K, [2.0, 4], [2, 4]),
    (P, "same", "same"),
    (P, "valid", "valid"),
    (P, 0, [0, 0]),
    (P, [1, 2], [1, 2]),
    (BIAS, False, False),
    (RATE, 0, 0.0),
    (RATE, 0.999, 0.999),
    (EPS, 1e-3, 0.001),
    (POOL_STRIDE, None, None),
    (POOL_STRIDE, 2, [2, 2]),
    (PAD4, 1, [1, 1, 1, 1]),
    (PAD4, [1, 2], [1, 1, 2, 2]),
    (PAD4, [1, 2, 3, 4], [1, 2, 3, 4]),
]


@pytest.mark.parametrize("param,value,canonical", ACCEPT, ids=[f"{p.name}={v!r}" for p, v, _ in ACCEPT])
def test_accepts_and_canonicalises(param, value, canonical):
    result = param.coerce(value)
    assert result == canonical
    assert type(result) is type(canonical)


# (param, value, where, message)
REJECT = [
    (F, 0, "", "must be ≥ 1, got 0"),
    (F, -3, "", "must be ≥ 1, got -3"),
    (F, 70000, "", "must be ≤ 65536, got 70000"),
    (F, 2.5, "", "must be a whole number, got 2.5"),
    (F, True, "", "must be a whole number, got true"),
    (F, "3", "", 'must be a whole number, got "3"'),
    (F, None, "", "must be a whole number, got null"),
    (F, [3], "", "must be a whole number, got [3]"),
    (F, 10**30, "", "must be ≤ 65536, got 1000000000000000000000000000000"),
    (F, 10**400, "", "must be ≤ 65536, got " + "1" + "0" * 36 + "..."),
    (F, "x" * 100, "", 'must be a whole number, got "' + "x" * 36 + "..."),
    (K, [3], "", "must have 2 entries [height, width], got 1"),
    (K, [3, 3, 3], "", "must have 2 entries [height, width], got 3"),
    (K, [3, 0], "[1]", "must be ≥ 1, got 0"),
    (K, [3, "a"], "[1]", 'must be a whole number, got "a"'),
    (K, [1.5, 3], "[0]", "must be a whole number, got 1.5"),
    (K, 0, "", "must be ≥ 1, got 0"),
    (K, "3", "", 'must be a whole number or a pair [height, width], got "3"'),
    (P, "full", "", 'must be a number, [height, width], "same" or "valid", got "full"'),
    (P, "SAME", "", 'must be a number, [height, width], "same" or "valid", got "SAME"'),
    (P, -1, "", "must be ≥ 0, got -1"),
    (P, [1, -1], "[1]", "must be ≥ 0, got -1"),
    (BIAS, 1, "", "must be true or false, got 1"),
    (BIAS, "true", "", 'must be true or false, got "true"'),
    (RATE, 1, "", "must be < 1, got 1"),
    (RATE, 1.5, "", "must be < 1, got 1.5"),
    (RATE, -0.1, "", "must be ≥ 0, got -0.1"),
    (RATE, math.nan, "", "must be a finite number, got nan"),
    (RATE, math.inf, "", "must be a finite number, got inf"),
    (RATE, "x", "", 'must be a number, got "x"'),
    (RATE, False, "", "must be a number, got false"),
    (RATE, 10**400, "", "must be < 1, got " + "1" + "0" * 36 + "..."),
    (EPS, 0, "", "must be ≥ 1e-12, got 0"),
    (PAD4, [1, 2, 3], "", "must have 2 or 4 entries, got 3"),
    (PAD4, [1, -2, 3, 4], "[1]", "must be ≥ 0, got -2"),
]


@pytest.mark.parametrize("param,value,where,message", REJECT, ids=[f"{p.name}={v!r}"[:40] for p, v, _, _ in REJECT])
def test_rejects_with_exact_message(param, value, where, message):
    with pytest.raises(ParamError) as e:
        param.coerce(value)
    assert (e.value.where, e.value.message) == (where, message)
    assert str(e.value) == message


def test_titles_carry_the_teaching_letters():
    assert [CONV.param(n).title for n in ("filters", "kernel_size", "padding", "stride", "dilation", "groups")] == [
        "filters (K)", "kernel size (F)", "padding (P)", "stride (S)", "dilation (D)", "groups"]


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown parameter kind 'triple'"):
        Param("x", "triple", 1, "help")


def test_defaults_are_canonical():
    assert CONV.defaults() == {"filters": 16, "kernel_size": [3, 3], "stride": [1, 1], "padding": [0, 0],
                               "dilation": [1, 1], "groups": 1, "bias": True}
    assert layers.get("MaxPool2D").defaults() == {"kernel_size": [2, 2], "stride": None, "padding": [0, 0]}


def test_json_schema_fragment():
    assert F.json_schema() == {"description": F.help, "type": "integer", "minimum": 1, "maximum": 65536}
    assert RATE.json_schema() == {"description": RATE.help, "type": "number", "minimum": 0, "exclusiveMaximum": 1}
    assert POOL_STRIDE.json_schema()["anyOf"][1] == {"type": "null"}


# Values as JSON can spell them: numbers, booleans, text, null and short lists of those.
json_scalars = st.one_of(
    st.integers(-3, 70000), st.floats(-2, 5000, allow_nan=False), st.booleans(), st.none(),
    st.sampled_from(["same", "valid", "full", "3", ""]), st.sampled_from([0.5, 1.0, 1e-12, 1e-13, 65537]),
)
json_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=5))
ALL_PARAMS = [(t, p) for t in layers.names() for p in layers.get(t).params]


@settings(max_examples=300, deadline=None)
@given(which=st.sampled_from(ALL_PARAMS), value=json_values)
def test_schema_and_coerce_agree(which, value):
    """The published schema accepts exactly what the loader accepts, so tools can trust it."""
    _, param = which
    try:
        param.coerce(value)
        accepted = True
    except ParamError:
        accepted = False
    valid = jsonschema.Draft202012Validator(param.json_schema()).is_valid(value)
    assert accepted == valid, f"{param.name}: coerce {'accepts' if accepted else 'rejects'} {value!r}"
