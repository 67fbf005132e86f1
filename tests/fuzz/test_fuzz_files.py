"""Fuzzing the file readers: damaged network, weights and ONNX files are accepted or refused in one
short line, within the per-file time limit; never a crash, a hang or a traceback.

A seeded corpus of mutated templates (see fuzz_corpus) plus hypothesis-generated documents
and bytes. `python benchmarks/fuzz.py` runs the same checks on 10,000+ files and prints counts.
"""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fuzz_corpus as fc
from convstudio import layers

pytestmark = pytest.mark.timeout(600)


def failures(outcomes):
    return [(label, out, detail) for label, (out, detail) in outcomes if out in fc.FAILURES]


def test_the_time_limit_catches_a_hang():
    assert fc.classify(lambda: time.sleep(5), limit=0.2)[0] == "hang"
    assert fc.classify(lambda: [][1])[0] == "crash"


def test_mutated_network_files():
    outcomes = [(label, fc.check_network(data)) for label, data in fc.network_files(seed=14, count=800)]
    assert failures(outcomes) == []
    kinds = {out for _label, (out, _d) in outcomes}
    assert kinds == {"accepted", "refused"}  # the corpus reaches both sides


def test_mutated_weights_files(tmp_path):
    net, files = fc.weights_files(seed=14, count=150)
    outcomes = [(label, fc.check_weights(data, tmp_path, net)) for label, data in files]
    assert failures(outcomes) == []
    assert {out for _label, (out, _d) in outcomes} == {"accepted", "refused"}


def test_mutated_onnx_models(tmp_path):
    pytest.importorskip("onnx")
    outcomes = [(label, fc.check_onnx(data, tmp_path)) for label, data in fc.onnx_files(seed=14, count=300)]
    assert failures(outcomes) == []
    assert {out for _label, (out, _d) in outcomes} == {"accepted", "refused"}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
NAMES = layers.names()


@st.composite
def network_documents(draw):
    """Documents that look like networks: real layer types and parameter names, wild values."""
    count = draw(st.integers(1, 8))
    ids = [draw(st.sampled_from(["image", "a", "b", "c", "d", "", "1x", "a" * 70])) for _ in range(count)]
    entries = []
    for nid in ids:
        type_name = draw(st.sampled_from(NAMES + ["Nope"]))
        params = {}
        if type_name in NAMES:
            names = [p.name for p in layers.get(type_name).params]
            for name in draw(st.lists(st.sampled_from(names), max_size=3)) if names else []:
                params[name] = draw(st.integers(-3, 70000) | st.lists(st.integers(-2, 20000), max_size=5) | JSON)
        entry = {"id": nid, "type": type_name, "params": params,
                 "inputs": draw(st.lists(st.sampled_from(ids + ["zz"]), max_size=3))}
        if draw(st.booleans()):
            entry["position"] = draw(st.lists(st.floats() | st.integers(), max_size=3))
        entries.append(entry)
    doc = {"format": "convstudio.network", "version": draw(st.sampled_from([1, 1, 1, 2, 0, "1"])),
           "name": draw(st.text(max_size=10)), "layers": entries}
    if draw(st.booleans()):
        doc["weights"] = draw(st.none() | st.text(max_size=12))
    return doc


@settings(max_examples=300)
@given(network_documents())
def test_generated_network_documents(doc):
    out, detail = fc.check_network(json.dumps(doc).encode())
    assert out not in fc.FAILURES, detail


@settings(max_examples=200)
@given(JSON)
def test_arbitrary_json_values(value):
    out, detail = fc.check_network(json.dumps(value).encode())
    assert out == "refused", detail


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_a_network(data):
    out, detail = fc.check_network(data)
    assert out not in fc.FAILURES, detail


@settings(max_examples=100)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_weights(tmp_path_factory, data):
    net, _ = fc.weights_files(0, 0)
    out, detail = fc.check_weights(data, tmp_path_factory.mktemp("w"), net)
    assert out not in fc.FAILURES, detail
