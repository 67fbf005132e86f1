"""The published JSON Schema is generated from the layer catalogue and cannot drift from it."""
from __future__ import annotations

import json

import jsonschema
import pytest

from convstudio import layers
from convstudio.io import network_schema, schema_text
from convstudio.io.resource_dir import resource_dir
from convstudio.io.templates import template_names

PUBLISHED = resource_dir("schema", "network-v1.schema.json")


def test_published_schema_equals_the_generated_one():
    """Regenerate with `python tools/make_templates.py` after changing a declaration."""
    assert PUBLISHED.read_text(encoding="utf-8") == schema_text()


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_names_every_layer_type_and_parameter():
    schema = network_schema()
    layer = schema["properties"]["layers"]["items"]
    assert layer["properties"]["type"]["enum"] == layers.names()
    for rule in layer["allOf"]:
        decl = layers.get(rule["if"]["properties"]["type"]["const"])
        assert list(rule["then"]["properties"]["params"]["properties"]) == [p.name for p in decl.params]


@pytest.mark.parametrize("name", template_names())
def test_every_template_validates(name):
    validator = jsonschema.Draft202012Validator(json.loads(PUBLISHED.read_text(encoding="utf-8")))
    doc = json.loads(resource_dir("networks", f"{name}.json").read_text("utf-8"))
    assert list(validator.iter_errors(doc)) == []


def test_schema_rejects_what_the_loader_rejects():
    validator = jsonschema.Draft202012Validator(network_schema())
    ok = {"format": "convstudio.network", "version": 1, "layers": [{"id": "a", "type": "Input"}]}
    assert validator.is_valid(ok)
    for bad in [{**ok, "version": 2}, {**ok, "layers": [{"id": "a", "type": "Conv3D"}]},
                {**ok, "layers": [{"id": "a", "type": "Conv2D", "params": {"stride": 0}}]},
                {**ok, "layers": [{"id": "a b", "type": "ReLU"}]}, {**ok, "extra": 1}]:
        assert not validator.is_valid(bad)
