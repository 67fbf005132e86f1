"""The network file format: exact round trips, one-line path-naming errors, atomic saves."""
from __future__ import annotations

import copy
import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convstudio import layers
from convstudio.errors import FormatError
from convstudio.graph import AddNode, Network
from convstudio.io import (
    atomic,
    dumps,
    load_network,
    loads,
    network_to_dict,
    save_network,
)

HEADER = '"format": "convstudio.network", "version": 1'
IMAGE = '{"id": "image", "type": "Input", "params": {"channels": 3, "height": 8, "width": 8}}'


def doc(*entries: str, extra: str = "") -> str:
    return "{" + HEADER + ', "layers": [' + ", ".join(entries) + "]" + extra + "}"


def non_default(param: layers.Param):
    """A valid value different from the parameter's default."""
    d = param.default
    if param.kind == "bool":
        return not d
    if param.kind == "padding":
        return "same"
    if param.kind == "pad4":
        return [1, 2, 3, 4]
    if param.kind == "pair":
        d = d if d is not None else 1
        return [d + 1, d + 2]
    if param.kind == "float":
        return d * 2 if param.maximum is None or d * 2 < param.maximum else d / 2
    return d + 1 if param.maximum is None or d + 1 <= param.maximum else d - 1


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("type_name", layers.names())
def test_round_trip_every_layer_type_with_non_default_params(type_name):
    decl = layers.get(type_name)
    given_params = {p.name: non_default(p) for p in decl.params}
    canonical = {p.name: p.coerce(v) for p, v in zip(decl.params, given_params.values())}
    assert all(canonical[p.name] != decl.defaults()[p.name] for p in decl.params)
    net = Network("every type", "ünïcödé — description\nsecond line", weights="net.weights.npz")
    AddNode("Input", {"channels": 4, "height": 9, "width": 7}, (0, 0), node_id="image").redo(net)
    AddNode("ReLU", None, (230, 110), node_id="side", inputs=["image"]).redo(net)
    inputs = [] if decl.max_inputs == 0 else ["image", "side"][:max(decl.min_inputs, 1)]
    AddNode(type_name, given_params, (12.25, -3.5), node_id="layer.under-test_1", inputs=inputs).redo(net)

    text = dumps(net)
    loaded = loads(text)
    assert dumps(loaded) == text
    assert network_to_dict(loaded) == network_to_dict(net)
    node = loaded.node("layer.under-test_1")
    assert node.params == canonical
    assert node.inputs == inputs
    assert node.position == (12.25, -3.5)
    assert (loaded.name, loaded.description, loaded.weights) == (net.name, net.description, net.weights)
    assert loads(text.encode("utf-8")).ids() == loaded.ids()


def test_missing_params_and_position_take_defaults():
    net = loads(doc('{"id": "image", "type": "Input"}', '{"id": "c", "type": "Conv2D", "inputs": ["image"]}'))
    assert net.node("c").params == layers.get("Conv2D").defaults()
    assert net.node("image").position == (0.0, 0.0)
    assert net.name == "Untitled" and net.description == "" and net.weights is None


def test_spellings_are_canonicalised_on_save():
    net = loads(doc(IMAGE, '{"id": "c", "type": "Conv2D", "params": {"kernel_size": 5, "padding": 2.0}, '
                           '"inputs": ["image"], "position": [1.0, 2.5]}'))
    entry = network_to_dict(net)["layers"][1]
    assert entry["params"]["kernel_size"] == [5, 5] and entry["params"]["padding"] == [2, 2]
    assert entry["position"] == [1, 2.5]


def test_file_layout_is_readable():
    net = loads(doc(IMAGE))
    assert dumps(net) == (
        '{\n  "format": "convstudio.network",\n  "version": 1,\n  "name": "Untitled",\n  "layers": [\n'
        '    {\n      "id": "image",\n      "type": "Input",\n      "params": {\n        "channels": 3,\n'
        '        "height": 8,\n        "width": 8\n      },\n      "position": [0, 0]\n    }\n  ]\n}\n')


def test_byte_order_mark_is_accepted():
    assert loads(b"\xef\xbb\xbf" + doc(IMAGE).encode()).ids() == ["image"]


# -- malformed files: one line naming the JSON path -----------------------------------------
MALFORMED = [
    ("truncated", doc(IMAGE)[:60], "not valid JSON: Unterminated string starting at (line 1, column 60)"),
    ("truncated in a list", "{" + HEADER + ', "layers": [', "not valid JSON: Expecting value (line 1, column 59)"),
    ("empty", "", "not valid JSON: Expecting value (line 1, column 1)"),
    ("not an object", "[]", "(top level): must be an object, got []"),
    ("a string", '"network"', '(top level): must be an object, got "network"'),
    ("null", "null", "(top level): must be an object, got null"),
    ("missing format", '{"version": 1, "layers": []}',
     'format: must be "convstudio.network", got null — is this a ConvStudio network?'),
    ("wrong format", '{"format": "keras", "version": 1, "layers": []}',
     'format: must be "convstudio.network", got "keras" — is this a ConvStudio network?'),
    ("newer version", '{"format": "convstudio.network", "version": 2, "layers": []}',
     "version: this file is version 2, newer than the version 1 this ConvStudio reads; update ConvStudio to open it"),
    ("version as text", '{"format": "convstudio.network", "version": "1", "layers": []}', 'version: must be 1, got "1"'),
    ("version zero", '{"format": "convstudio.network", "version": 0, "layers": []}', "version: must be 1, got 0"),
    ("missing version", '{"format": "convstudio.network", "layers": []}', "version: is missing"),
    ("missing layers", "{" + HEADER + "}", "layers: is missing"),
    ("layers not a list", "{" + HEADER + ', "layers": {}}', "layers: must be a list, got {}"),
    ("name not text", doc(extra=', "name": 5'), "name: must be text, got 5"),
    ("unknown top-level field", doc(extra=', "colour": "red"'), "colour: unknown field"),
    ("layer not an object", doc("5"), "layers[0]: must be an object, got 5"),
    ("missing id", doc('{"type": "ReLU"}'), "layers[0].id: is missing"),
    ("bad id", doc('{"id": "1st", "type": "ReLU"}'),
     "layers[0].id: \"1st\" is not a valid id (letters, digits, '_', '-', '.'; starts with a letter or '_')"),
    ("unknown layer type", doc('{"id": "a", "type": "Conv3D"}'),
     'layers[0].type: unknown layer type "Conv3D"; known types: ' + ", ".join(layers.names())),
    ("unknown field in a layer", doc('{"id": "a", "type": "ReLU", "colour": 1}'), "layers[0].colour: unknown field"),
    ("unknown parameter", doc(IMAGE, '{"id": "c", "type": "Conv2D", "params": {"strde": 2}}'),
     "layers[1].params.strde: unknown field"),
    ("parameter name with a line break", doc('{"id": "a", "type": "ReLU", "params": {"\\n": 1}}'),
     'layers[0].params["\\n"]: unknown field'),
    ("params not an object", doc('{"id": "a", "type": "Input", "params": 5}'),
     "layers[0].params: must be an object, got 5"),
    ("parameter of the wrong type", doc(IMAGE, '{"id": "c", "type": "Conv2D", "params": {"filters": "3"}}'),
     'layers[1].params.filters: must be a whole number, got "3"'),
    ("bool for a number", doc(IMAGE, '{"id": "c", "type": "Conv2D", "params": {"filters": true}}'),
     "layers[1].params.filters: must be a whole number, got true"),
    ("stride zero", doc(IMAGE, '{"id": "c", "type": "Conv2D", "params": {"stride": [1, 0]}}'),
     "layers[1].params.stride[1]: must be ≥ 1, got 0"),
    ("negative size", doc('{"id": "a", "type": "Input", "params": {"height": -3}}'),
     "layers[0].params.height: must be ≥ 1, got -3"),
    ("negative kernel", doc(IMAGE, '{"id": "c", "type": "Conv2D", "params": {"kernel_size": [3, -1]}}'),
     "layers[1].params.kernel_size[1]: must be ≥ 1, got -1"),
    ("1e400", doc('{"id": "a", "type": "Input", "params": {"height": 1e400}}'),
     "layers[0].params.height: must be a whole number, got inf"),
    ("10**30", doc('{"id": "a", "type": "Input", "params": {"height": ' + str(10**30) + "}}"),
     "layers[0].params.height: must be ≤ 16384, got 1000000000000000000000000000000"),
    ("10**400", doc('{"id": "a", "type": "Dropout", "params": {"rate": ' + str(10**400) + "}}"),
     "layers[0].params.rate: must be < 1, got 1" + "0" * 36 + "..."),
    ("1e400 position", doc('{"id": "a", "type": "Input", "position": [1e400, 0]}'),
     "layers[0].position: must be finite numbers"),
    ("10**400 position", doc('{"id": "a", "type": "Input", "position": [' + str(10**400) + ", 0]}"),
     "layers[0].position: must be finite numbers"),
    ("5000 digits", doc('{"id": "a", "type": "Input", "params": {"height": ' + "9" * 5000 + "}}"),
     "not valid JSON: a number has too many digits to read"),
    ("NaN", doc('{"id": "a", "type": "Dropout", "params": {"rate": NaN}}'),
     "not valid JSON: NaN is not a number JSON allows"),
    ("Infinity", doc('{"id": "a", "type": "Input", "position": [Infinity, 0]}'),
     "not valid JSON: Infinity is not a number JSON allows"),
    ("short position", doc('{"id": "a", "type": "Input", "position": [0]}'), "layers[0].position: must have 2 entries, got 1"),
    ("duplicate ids", doc(IMAGE, '{"id": "image", "type": "ReLU"}'), 'layers[1].id: "image" is already used by layers[0]'),
    ("unknown input id", doc(IMAGE, '{"id": "r", "type": "ReLU", "inputs": ["imgae"]}'),
     'layers[1].inputs[0]: unknown layer id "imgae"'),
    ("inputs not a list", doc(IMAGE, '{"id": "r", "type": "ReLU", "inputs": "image"}'),
     'layers[1].inputs: must be a list, got "image"'),
    ("own input", doc(IMAGE, '{"id": "r", "type": "ReLU", "inputs": ["r"]}'), "layers[1].inputs[0]: r cannot take its own output"),
    ("too many inputs", doc(IMAGE, '{"id": "r", "type": "ReLU", "inputs": ["image", "image"]}'),
     "layers[1].inputs: ReLU takes at most 1 input, got 2"),
    ("inputs into an Input", doc(IMAGE, '{"id": "b", "type": "Input", "inputs": ["image"]}'),
     "layers[1].inputs: Input takes no inputs, got 1"),
    ("cycle", doc(IMAGE, '{"id": "a", "type": "Add", "inputs": ["image", "c"]}', '{"id": "b", "type": "ReLU", "inputs": ["a"]}',
                  '{"id": "c", "type": "ReLU", "inputs": ["b"]}'), "layers: the connections a → b → c → a form a cycle"),
]


@pytest.mark.parametrize("text,message", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_files_give_one_clear_line(text, message):
    with pytest.raises(FormatError) as e:
        loads(text)
    assert str(e.value) == message
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("data,message", [
    (b"\xff\xfe{}", "not UTF-8 text (byte 0xff at offset 0)"),
    (b'{"name": "caf\xe9"}', "not UTF-8 text (byte 0xe9 at offset 13)"),
])
def test_non_utf8_bytes(data, message):
    with pytest.raises(FormatError) as e:
        loads(data)
    assert str(e.value) == message


def test_deep_nesting_is_refused():
    with pytest.raises(FormatError, match="^not valid JSON"):
        loads("[" * 100_000 + "]" * 100_000)


def test_load_network_names_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(doc('{"id": "a", "type": "Input", "params": {"height": 0}}'), encoding="utf-8")
    with pytest.raises(FormatError) as e:
        load_network(bad)
    assert str(e.value) == f"{bad}: layers[0].params.height: must be ≥ 1, got 0"
    with pytest.raises(FormatError) as e:
        load_network(tmp_path / "missing.json")
    assert str(e.value) == f"{tmp_path / 'missing.json'}: no such file"
    with pytest.raises(FormatError) as e:
        load_network(tmp_path)
    assert str(e.value) == f"{tmp_path}: is a folder, not a network file"


# -- any mutation of a valid file either loads or raises FormatError --------------------------
VALID = json.loads(doc(
    IMAGE,
    '{"id": "conv1", "type": "Conv2D", "params": {"filters": 4, "padding": "same"}, "inputs": ["image"], "position": [0, 110]}',
    '{"id": "bn1", "type": "BatchNorm2D", "inputs": ["conv1"], "position": [0, 220]}',
    '{"id": "add1", "type": "Add", "inputs": ["bn1", "conv1"], "position": [0, 330]}',
    '{"id": "pool1", "type": "MaxPool2D", "params": {"kernel_size": 2, "stride": null}, "inputs": ["add1"]}',
    '{"id": "pad", "type": "ZeroPad2D", "params": {"padding": [1, 2, 3, 4]}, "inputs": ["pool1"]}',
    '{"id": "flatten", "type": "Flatten", "inputs": ["pad"]}',
    '{"id": "drop", "type": "Dropout", "params": {"rate": 0.25}, "inputs": ["flatten"]}',
    '{"id": "fc", "type": "Dense", "params": {"units": 3}, "inputs": ["drop"]}',
    extra=', "name": "mutant", "description": "d", "weights": "w.npz"'))
VALID_TEXT = json.dumps(VALID, indent=2)

EDGE_VALUES = st.sampled_from([0, -1, 1, 2, 10**30, 10**400, 2**63, 0.5, 1e308, -0.0, True, False, None, "",
                               "same", "image", "Conv2D", [], {}, [1], [1, 2, 3, 4], [0, 0], float("inf")])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6) | EDGE_VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = list(_paths(VALID))


def check_load(text) -> None:
    try:
        net = loads(text)
    except FormatError as e:
        assert str(e) and "\n" not in str(e)
        return
    once = dumps(net)
    assert dumps(loads(once)) == once


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(ALL_PATHS), op=st.sampled_from(["replace", "delete", "insert", "duplicate"]),
       value=JSON_VALUES, key=st.sampled_from(["id", "type", "params", "inputs", "position", "stride", "x", "version"]))
def test_structural_mutations_load_or_raise_format_error(path, op, value, key):
    mutated = copy.deepcopy(VALID)
    if not path:
        mutated = value
    else:
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        if op == "replace":
            parent[last] = value
        elif op == "delete":
            del parent[last]
        elif op == "insert":
            if isinstance(parent, list):
                parent.insert(last, value)
            else:
                parent[key] = value
        elif isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        else:
            parent[key] = copy.deepcopy(parent[last])
    check_load(json.dumps(mutated))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_byte_mutations_load_or_raise_format_error(data):
    raw = bytearray(VALID_TEXT.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw)))
        op = data.draw(st.sampled_from(["truncate", "delete", "insert", "replace"]))
        if op == "truncate":
            del raw[at:]
        elif op == "delete":
            del raw[at:at + data.draw(st.integers(1, 8))]
        elif op == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b"-", b"9" * 40, b"e400", b'"', b","]))
        elif at < len(raw):
            raw[at] = data.draw(st.integers(0, 255))
    check_load(bytes(raw))


# -- saving ----------------------------------------------------------------------------------
def test_save_and_load(tmp_path):
    net = loads(VALID_TEXT)
    path = tmp_path / "net.json"
    save_network(net, path)
    assert path.read_text(encoding="utf-8") == dumps(net)
    assert dumps(load_network(path)) == dumps(net)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_save_replaces_whole_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "net.json"
    path.write_text("x" * 100_000)
    os.chmod(path, 0o600)
    save_network(loads(VALID_TEXT), path)
    assert path.read_text(encoding="utf-8") == dumps(loads(VALID_TEXT))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_a_failed_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "net.json"
    path.write_text("old contents")

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError):
        save_network(loads(VALID_TEXT), path)
    assert path.read_text() == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json"]


def test_a_key_given_twice_is_refused():
    text = doc(IMAGE, extra=', "name": "first", "name": "second"')
    with pytest.raises(FormatError, match="the key 'name' appears twice in one object"):
        loads(text)


def test_saving_into_a_missing_folder_names_the_file(tmp_path):
    target = tmp_path / "missing" / "net.json"
    with pytest.raises(FileNotFoundError) as info:
        save_network(loads(doc(IMAGE)), target)
    assert info.value.filename == str(target) and not target.parent.exists()
