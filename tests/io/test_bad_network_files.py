"""Bad network files: each is refused with one short line, quickly, never a crash or a hang."""
from __future__ import annotations

import json

import pytest

from convstudio.cli import main
from convstudio.errors import FormatError
from convstudio.io import loads, network_from_dict

IMAGE = {"id": "image", "type": "Input", "params": {"channels": 1, "height": 8, "width": 8}}


def document(*entries, **top) -> dict:
    return {"format": "convstudio.network", "version": 1, "name": "bad", "layers": [IMAGE, *entries], **top}


def refusal(doc_or_text) -> str:
    with pytest.raises(FormatError) as e:
        loads(doc_or_text) if isinstance(doc_or_text, (str, bytes)) else network_from_dict(doc_or_text)
    message = str(e.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def loop_of(n: int) -> dict:
    """n ReLUs in a ring, fed by a chain that starts at the image (the loop is not at the file's start)."""
    entries = [{"id": "head", "type": "Add", "inputs": ["image", f"r{n - 1}"]}]
    entries += [{"id": f"r{k}", "type": "ReLU", "inputs": ["head" if k == 0 else f"r{k - 1}"]} for k in range(n)]
    return document(*entries)


@pytest.mark.timeout(60)
def test_a_loop_of_5000_layers_is_found_and_named_in_a_few_ids():
    message = refusal(loop_of(5000))
    assert message == "layers: the connections head → r0 → r1 → r2 → r3 → … (5001 layers in the loop) form a cycle"


def test_a_short_loop_is_named_whole_and_layers_behind_it_are_not_blamed():
    doc = document({"id": "a", "type": "Add", "inputs": ["image", "c"]}, {"id": "b", "type": "ReLU", "inputs": ["a"]},
                   {"id": "c", "type": "ReLU", "inputs": ["b"]}, {"id": "after", "type": "ReLU", "inputs": ["c"]})
    assert refusal(doc) == "layers: the connections a → b → c → a form a cycle"


@pytest.mark.parametrize("depth", [975, 980, 985, 990, 5000])
@pytest.mark.parametrize("where", ["name", "params", "extra"])
def test_deep_nesting_is_refused_before_anything_recurses(depth, where):
    nested = "[" * depth + "]" * depth
    if where == "name":
        text = f'{{"format": "convstudio.network", "version": 1, "name": {nested}, "layers": []}}'
    elif where == "params":
        text = ('{"format": "convstudio.network", "version": 1, "layers": [{"id": "a", "type": "Input", '
                f'"params": {{"channels": {nested}}}}}]}}')
    else:
        text = f'{{"format": "convstudio.network", "version": 1, "layers": [], "x": {nested}}}'
    message = refusal(text)
    assert "nested" in message


def test_deep_nesting_exits_2_from_the_cli(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text('{"format": "convstudio.network", "version": 1, "layers": [], "name": '
                    + "[" * 980 + "]" * 980 + "}")
    assert main(["summary", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested" in err


@pytest.mark.parametrize("field", ["name", "description", "weights"])
def test_lone_surrogates_are_refused_on_load(field):
    text = json.dumps(document(**{field: "ok \ud800 then"}))  # json.dumps writes it as \ud800
    assert "\\ud800" in text
    message = refusal(text)
    assert message.startswith(f"{field}: contains a lone UTF-16 surrogate (\\ud800)")


def test_a_lone_surrogate_in_a_key_or_a_list_is_refused():
    assert "surrogate" in refusal(document({"id": "r", "type": "ReLU", "inputs": ["image"], "params": {"\udfff": 1}}))
    assert "surrogate" in refusal(document({"id": "r", "type": "ReLU", "inputs": ["image", "\udc00"]}))


def test_paired_surrogates_are_ordinary_text():
    net = loads(json.dumps(document(name="😀 network")))
    assert net.name == "😀 network"


@pytest.mark.parametrize("entry", [
    {"id": "x", "type": "A" * 1_000_000},
    {"id": "x" * 1_000_000, "type": "ReLU"},
    {"id": "x", "type": "ReLU", "inputs": ["q" * 1_000_000]},
    {"id": "x", "type": "ReLU", "params": {"k" * 1_000_000: 1}},
    {"id": "x", "type": "Conv2D", "params": {"filters": "9" * 1_000_000}},
    {"id": "x", "type": "Conv2D", "params": {"padding": ["a" * 1_000_000, 1]}},
    {"id": "x", "type": "ReLU", "position": ["p" * 1_000_000, 0]},
    {"id": "x", "type": "ReLU", "z" * 1_000_000: 0},
])
def test_messages_quote_only_the_start_of_a_long_value(entry):
    refusal(document(entry))


def test_a_long_value_at_the_top_level_is_cut_too():
    refusal(document(format="f" * 1_000_000))
    refusal(document(version="v" * 1_000_000))
    refusal(document(**{"w" * 1_000_000: 1}))


def test_the_first_bad_layer_is_reported_with_its_path_as_before():
    doc = document({"id": "ok", "type": "ReLU", "inputs": ["image"]},
                   {"id": "c", "type": "Conv2D", "inputs": ["ok"], "params": {"stride": [1, 0]}},
                   {"id": "z", "type": "Nope"})
    assert refusal(doc) == "layers[2].params.stride[1]: must be ≥ 1, got 0"
