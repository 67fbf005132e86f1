"""The JSON Schema of the network format, generated from the layer catalogue.

The published copy in resources/schema/ is this function's output; a test keeps
them equal, so the schema can never drift from the declarations.
"""
from __future__ import annotations

import json

from .. import layers

FORMAT = "convstudio.network"
VERSION = 1
SCHEMA_ID = "https://convstudio.invalid/schema/network-v1.schema.json"
ID_REGEX = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"


def _layer_params(decl: layers.LayerType) -> dict:
    return {
        "type": "object",
        "properties": {p.name: p.json_schema() for p in decl.params},
        "additionalProperties": False,
    }


def network_schema() -> dict:
    """JSON Schema (draft 2020-12) of format version 1."""
    per_type = [
        {"if": {"properties": {"type": {"const": t}}, "required": ["type"]},
         "then": {"properties": {"params": _layer_params(layers.get(t))}}}
        for t in layers.names()
    ]
    number = {"type": "number"}
    layer = {
        "type": "object",
        "required": ["id", "type"],
        "properties": {
            "id": {"type": "string", "pattern": ID_REGEX, "description": "Unique readable id."},
            "type": {"enum": layers.names(), "description": "Layer type from the catalogue."},
            "params": {"type": "object", "description": "Parameters; missing ones take their defaults."},
            "inputs": {"type": "array", "items": {"type": "string"},
                       "description": "Ids of the layers feeding this one, in order (order matters for Concat)."},
            "position": {"type": "array", "items": number, "minItems": 2, "maxItems": 2,
                         "description": "Canvas position [x, y]."},
        },
        "additionalProperties": False,
        "allOf": per_type,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ConvStudio network",
        "type": "object",
        "required": ["format", "version", "layers"],
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "labels": {"type": "array", "items": {"type": "string", "minLength": 1},
                       "uniqueItems": True,
                       "description": "Class names, index = class id: one per class score of the output (optional)."},
            "layers": {"type": "array", "items": layer},
            "weights": {"type": ["string", "null"],
                        "description": "Weights file (.npz) beside this one, keyed \"<layer id>/<name>\"."},
        },
        "additionalProperties": False,
    }


def schema_text() -> str:
    return json.dumps(network_schema(), indent=2, ensure_ascii=False) + "\n"
