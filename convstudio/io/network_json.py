"""Reading and writing networks as JSON (format version 1).

Loading goes in stages — decode → parse → header → schema → semantics → build — and
every failure is one line naming the JSON path and the reason, e.g.
`layers[3].params.stride[0]: must be ≥ 1, got 0`.
"""
from __future__ import annotations

import copy
import json
import math
import os
import re
from functools import lru_cache
from typing import Any

import jsonschema

from .. import layers
from ..errors import FormatError, GraphError
from ..graph import Network, Node, check_labels, coerce_params
from ..layers.params import ParamError
from .atomic import write_atomic
from .paths import json_path
from .schema import FORMAT, ID_REGEX, VERSION, network_schema

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32        # a network file nests 6 levels; deeper is a mistake or an attack
QUOTE_LIMIT = 40      # characters of a file's value repeated in a message


# -- writing --------------------------------------------------------------------------------
def network_to_dict(net: Network) -> dict:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": net.name}
    if net.description:
        out["description"] = net.description
    if net.labels:
        out["labels"] = list(net.labels)
    out["layers"] = [_node_to_dict(n) for n in net]
    if net.weights:
        out["weights"] = net.weights
    return out


def _node_to_dict(n: Node) -> dict:
    entry: dict[str, Any] = {"id": n.id, "type": n.type, "params": n.params}
    if n.inputs:
        entry["inputs"] = list(n.inputs)
    entry["position"] = [_number(v) for v in n.position]
    return entry


def _number(v: float) -> int | float:
    """Positions to 1/100 pixel, whole numbers without ".0", so that saving twice gives the same bytes."""
    r = round(float(v), 2)
    return int(r) if r.is_integer() else r


def dumps(net: Network) -> str:
    """Indented JSON with short lists kept on one line, so files read and diff well."""
    return _pretty(network_to_dict(net), "") + "\n"


def _pretty(value: Any, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _pretty(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def save_network(net: Network, path: str | os.PathLike) -> None:
    """Write atomically: the old file stays whole until the new one is complete."""
    write_atomic(path, dumps(net).encode("utf-8"))


# -- reading --------------------------------------------------------------------------------
def load_network(path: str | os.PathLike) -> Network:
    """Read a network file; raises FormatError with `path: json.path: reason`."""
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise FormatError(f"{path}: file is {size // (1024 * 1024)} MB; a network file is at most 64 MB")
        with open(path, "rb") as fh:
            data = fh.read()
    except FormatError:
        raise
    except FileNotFoundError:
        raise FormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FormatError(f"{path}: is a folder, not a network file") from None
    except OSError as e:
        raise FormatError(f"{path}: cannot be read ({e.strerror or e})") from None
    try:
        return loads(data)
    except FormatError as e:
        raise FormatError(f"{path}: {e}") from None


def loads(data: str | bytes) -> Network:
    """Parse network JSON text or bytes; raises FormatError naming the JSON path."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise FormatError(f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    try:
        doc = json.loads(data, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise FormatError(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise FormatError("not valid JSON: nested too deeply") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise FormatError("not valid JSON: a number has too many digits to read") from None
    return network_from_dict(doc)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON allows a key twice in one object and Python keeps the last: refuse, one of them is a mistake."""
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise FormatError(f"not valid JSON for a network: the key {twice!r} appears twice in one object")
    return doc


def _reject_constant(name: str):
    raise FormatError(f"not valid JSON: {name} is not a number JSON allows")


def network_from_dict(doc: Any) -> Network:
    _check_values(doc)
    _check_header(doc)
    _check_schema(doc)
    nodes = _build_nodes(doc["layers"])
    try:
        labels = check_labels(doc.get("labels", []))
    except GraphError as err:
        raise FormatError(str(err)) from None
    net = Network(doc.get("name", "Untitled"), doc.get("description", ""), nodes, doc.get("weights"), labels)
    _check_cycles(net)
    return net


def _check_header(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise FormatError(f"(top level): must be an object, got {_kind(doc)}")
    if doc.get("format") != FORMAT:
        raise FormatError(f'format: must be "{FORMAT}", got {_kind(doc.get("format"))} — is this a ConvStudio network?')
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise FormatError(f"version: this file is version {version}, newer than the version {VERSION} "
                          "this ConvStudio reads; update ConvStudio to open it")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_values(doc: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and text that is not valid Unicode, before anything
    recursive (jsonschema, repr) or anything that encodes text (save, exports) sees it."""
    stack: list[tuple[Any, int, Any]] = [(doc, 0, None)]
    while stack:
        value, depth, trail = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise FormatError(f"{_trail_path(trail)}: contains a lone UTF-16 surrogate "
                                  f"({_SURROGATE.search(value).group().encode('unicode_escape').decode()}); "
                                  "text must be valid Unicode")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise FormatError(f"{_trail_path(trail)}: nested more than {MAX_DEPTH} levels deep; "
                              "a network file is not")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and _SURROGATE.search(key):
                raise FormatError(f"{_trail_path(trail)}: a key contains a lone UTF-16 surrogate; "
                                  "text must be valid Unicode")
            if isinstance(item, (dict, list, str)):
                stack.append((item, depth + 1, (trail, key)))


def _trail_path(trail) -> str:
    parts = []
    while trail is not None:
        trail, key = trail
        parts.append(key)
    return json_path(reversed(parts))


@lru_cache(maxsize=1)
def _validators() -> tuple[jsonschema.protocols.Validator, jsonschema.protocols.Validator]:
    """(the document without its layers' contents, one layer): checking each layer against the
    layer schema alone keeps validation linear and fast; the full schema would test every
    layer against every type's parameters."""
    schema = network_schema()
    cls = jsonschema.validators.validator_for(schema)
    top = copy.deepcopy(schema)
    top["properties"]["layers"] = {"type": "array"}
    layer = {"$schema": schema["$schema"], **schema["properties"]["layers"]["items"]}
    return cls(top), cls(layer)


def _check_schema(doc: dict) -> None:
    top, layer = _validators()
    errors = list(top.iter_errors(doc))
    entries = doc.get("layers")
    if isinstance(entries, list):
        for i, entry in enumerate(entries):
            if _plainly_valid(entry):
                continue
            found = list(layer.iter_errors(entry))
            for e in found:
                e.path.extendleft([i, "layers"])  # as if the whole document had been validated
            if found:
                errors += found
                break
    if errors:
        raise FormatError(_explain(_most_specific(errors), doc))


_ID = re.compile(ID_REGEX.strip("^$"))


def _plainly_valid(entry: Any) -> bool:
    """A quick check that passes the ordinary layer entry; anything else goes to jsonschema."""
    if type(entry) is not dict or not entry.keys() <= _layer_keys():
        return False
    nid, type_name = entry.get("id"), entry.get("type")
    if type(nid) is not str or not _ID.fullmatch(nid):
        return False
    if type(type_name) is not str or type_name not in _type_names():
        return False
    inputs, position = entry.get("inputs", []), entry.get("position", [0, 0])
    if type(inputs) is not list or any(type(s) is not str for s in inputs):
        return False
    if type(position) is not list or len(position) != 2 or any(type(v) not in (int, float) for v in position):
        return False
    params = entry.get("params", {})
    if type(params) is not dict:
        return False
    decl = layers.get(type_name)
    try:
        for name, value in params.items():
            decl.param(name).coerce(value)
    except (KeyError, ParamError):
        return False
    return True


@lru_cache(maxsize=1)
def _type_names() -> frozenset[str]:
    return frozenset(layers.names())


@lru_cache(maxsize=1)
def _layer_keys() -> frozenset[str]:
    return frozenset(network_schema()["properties"]["layers"]["items"]["properties"])


def _most_specific(errors) -> jsonschema.ValidationError:
    """The first error in document order, descended to its deepest cause."""
    def flat(e):
        if e.context:
            return max((flat(c) for c in e.context), key=lambda c: len(c.absolute_path))
        return e
    first = min(errors, key=lambda e: [str(p) for p in e.absolute_path])
    return flat(first)


def _explain(error: jsonschema.ValidationError, doc: dict) -> str:
    path = list(error.absolute_path)
    friendly = _param_reason(path, doc)
    if friendly:
        return friendly
    inst = error.instance
    v = error.validator
    if v == "required":
        missing = next(p for p in error.validator_value if p not in inst)
        return f"{json_path(path + [missing])}: is missing"
    if v == "additionalProperties":
        extra = sorted(set(inst) - set(error.schema.get("properties", {})))
        return f"{json_path(path + [extra[0]])}: unknown field"
    if v == "enum" and path and path[-1] == "type":
        return f"{json_path(path)}: unknown layer type {_kind(inst)}; known types: {', '.join(layers.names())}"
    if v == "pattern":
        return f"{json_path(path)}: {_kind(inst)} is not a valid id (letters, digits, '_', '-', '.'; starts with a letter or '_')"
    reason = {
        "type": lambda: f"must be {_type_word(error.validator_value)}, got {_kind(inst)}",
        "const": lambda: f"must be {json.dumps(error.validator_value)}, got {_kind(inst)}",
        "enum": lambda: f"must be one of {', '.join(json.dumps(x) for x in error.validator_value)}, got {_kind(inst)}",
        "minItems": lambda: f"must have {error.validator_value} entries, got {len(inst)}",
        "minLength": lambda: "must not be empty",
        "uniqueItems": lambda: f"{_first_repeat(inst)} appears twice; each entry must be different",
        "maxItems": lambda: f"must have {error.validator_value} entries, got {len(inst)}",
        "minimum": lambda: f"must be ≥ {error.validator_value}, got {_kind(inst)}",
        "maximum": lambda: f"must be ≤ {error.validator_value}, got {_kind(inst)}",
    }.get(v, lambda: _clip(error.message, 200))()
    return f"{json_path(path)}: {reason}"


def _param_reason(path: list, doc: dict) -> str | None:
    """For a bad parameter, the catalogue's own explanation (the same the app shows)."""
    if len(path) < 4 or path[0] != "layers" or path[2] != "params":
        return None
    entry = doc["layers"][path[1]]
    try:
        param = layers.get(entry["type"]).param(path[3])
        param.coerce(entry["params"][path[3]])
    except (KeyError, TypeError):
        return None
    except ParamError as e:
        return f"{json_path(path[:4])}{e.where}: {e.message}"
    return None


def _first_repeat(items: list) -> str:
    seen: list = []
    for item in items:
        if item in seen:
            return json.dumps(item, ensure_ascii=False)
        seen.append(item)
    return "an entry"


def _type_word(t) -> str:
    words = {"object": "an object", "array": "a list", "string": "text", "integer": "a whole number",
             "number": "a number", "boolean": "true or false", "null": "null"}
    if isinstance(t, list):
        return " or ".join(words.get(x, x) for x in t)
    return words.get(t, t)


def _kind(value: Any) -> str:
    """A value from the file as a message quotes it: JSON, cut to QUOTE_LIMIT characters."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (dict, list)) and len(value) > QUOTE_LIMIT:
        return f"{'an object' if isinstance(value, dict) else 'a list'} of {len(value)} entries"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = "a value"
    return _clip(text, QUOTE_LIMIT)


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _build_nodes(entries: list[dict]) -> list[Node]:
    seen: dict[str, int] = {}
    for i, e in enumerate(entries):
        if e["id"] in seen:
            raise FormatError(f"layers[{i}].id: {json.dumps(e['id'])} is already used by layers[{seen[e['id']]}]")
        seen[e["id"]] = i
    nodes = []
    for i, e in enumerate(entries):
        try:
            params = coerce_params(e["type"], e.get("params", {}), node_id=e["id"])
        except GraphError as err:
            raise FormatError(f"layers[{i}].params: {err}") from None
        inputs = list(e.get("inputs", []))
        for j, src in enumerate(inputs):
            if src not in seen:
                raise FormatError(f"layers[{i}].inputs[{j}]: unknown layer id {_kind(src)}")
            if src == e["id"]:
                raise FormatError(f"layers[{i}].inputs[{j}]: {e['id']} cannot take its own output")
        decl = layers.get(e["type"])
        if decl.max_inputs is not None and len(inputs) > decl.max_inputs:
            most = "no inputs" if decl.max_inputs == 0 else f"at most {decl.max_inputs} input{'s' * (decl.max_inputs > 1)}"
            raise FormatError(f"layers[{i}].inputs: {e['type']} takes {most}, got {len(inputs)}")
        try:
            pos = tuple(float(v) for v in e.get("position", (0, 0)))
        except OverflowError:  # an integer beyond the float range
            pos = (math.inf, math.inf)
        if not all(math.isfinite(v) for v in pos):
            raise FormatError(f"layers[{i}].position: must be finite numbers")
        nodes.append(Node(e["id"], e["type"], params, inputs, pos))
    return nodes


def _check_cycles(net: Network) -> None:
    """Linear: what the topological order leaves over lies on or behind a loop; walking back
    along inputs inside that rest must come round to a layer already seen, which is the loop."""
    _order, cyclic = net.topological_order()
    if not cyclic:
        return
    rest = set(cyclic)
    walk: dict[str, int] = {}
    nid = cyclic[0]
    while nid not in walk:
        walk[nid] = len(walk)
        nid = next(s for s in net.node(nid).inputs if s in rest)
    loop = list(walk)[walk[nid]:][::-1]  # in the direction the data flows
    at = {c: k for k, c in enumerate(cyclic)}
    first = min(range(len(loop)), key=lambda k: at[loop[k]])
    loop = loop[first:] + loop[:first]  # from the loop's layer that comes first in the file
    shown = " → ".join(loop[:5] + ([] if len(loop) > 5 else [loop[0]]))
    more = f" → … ({len(loop)} layers in the loop)" if len(loop) > 5 else ""
    raise FormatError(f"layers: the connections {shown}{more} form a cycle")
