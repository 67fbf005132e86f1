"""Seeded mutations of real files, and the one rule every reader must keep on them.

`network_files(seed, count)` and `weights_files(seed, count)` yield (label, bytes): the
templates and their weights, damaged the way a careless user or an attacker would (wrong
types, missing keys, huge and negative numbers, NaN, deep nesting, long strings, bad
unicode, duplicate ids, loops, dangling inputs, truncation, binary noise). `check_network`
and `check_weights` read one file and classify the outcome: "accepted", "refused" (a
ConvStudioError whose message is one short line), or a failure: "crash" (any other
exception), "long message" (a refusal of several lines or > 500 characters) or "hang" (over
the per-file time limit). Used by tests/fuzz and benchmarks/fuzz.py.
"""
from __future__ import annotations

import copy
import io
import json
import random
import signal
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from convstudio.engine.infer import infer
from convstudio.engine.weights import init_weights, load_weights
from convstudio.errors import ConvStudioError
from convstudio.io import dumps, loads
from convstudio.io.templates import load_template

TEMPLATES = ("lenet5", "tinyvgg", "fcn3", "alexnet", "resnet18", "vgg16")
SMALL_TEMPLATES = ("lenet5", "tinyvgg", "fcn3")
TIME_LIMIT_S = 5.0
MAX_MESSAGE = 500
FAILURES = ("crash", "hang", "long message")


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise Hang in this (main) thread when the block runs longer than `seconds`."""
    def alarm(_signum, _frame):
        raise Hang(f"over {seconds} s")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def classify(action: Callable[[], Any], limit: float = TIME_LIMIT_S) -> tuple[str, str]:
    """(outcome, detail) of running `action` on one file."""
    start = time.perf_counter()
    try:
        with time_limit(limit):
            action()
    except Hang:
        return "hang", f"over {limit} s"
    except ConvStudioError as exc:
        message = str(exc)
        if "\n" in message or len(message) > MAX_MESSAGE:
            return "long message", message[:300]
        return "refused", message
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzing looks for
        return "crash", f"{type(exc).__name__}: {str(exc)[:300]}"
    return "accepted", f"{time.perf_counter() - start:.3f} s"


# -- network files ------------------------------------------------------------------------------------
def read_network(data: bytes) -> None:
    """What opening a file does, plus what the app and the CLI do next with an accepted one."""
    net = loads(data)
    infer(net)
    loads(dumps(net))  # saving and reopening must work for whatever was accepted


def check_network(data: bytes) -> tuple[str, str]:
    return classify(lambda: read_network(data))


def _template_docs(names=TEMPLATES) -> list[dict]:
    return [json.loads(dumps(load_template(n))) for n in names]


def _paths(value: Any, here: tuple = ()) -> list[tuple]:
    """Every path to a value inside `value` (dict keys and list indices)."""
    out = [here]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, here + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, here + (i,))
    return out


def _get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def _set(doc, path, value):
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _weird_value(rng: random.Random) -> Any:
    return rng.choice([
        None, True, False, 0, -1, 1, 2 ** 31, -2 ** 63, 2 ** 64, 10 ** 400, 1e308, -1e308, 0.5, -0.0, 1e-320,
        "", "x", "same", "valid", "Conv2D", "image", "\u0000", "é" * 3, "😀", "a" * rng.choice([100, 10_000, 1_000_000]),
        [], [1], [1, 2, 3], [[1, 2]], ["a", "b"], {}, {"a": 1}, [None, None], [1.5, 2.5], [-5, -5], [0, 0],
    ])


def _mutate_doc(doc: dict, rng: random.Random) -> tuple[str, Any]:
    """One structural mutation; returns (name, new document or text)."""
    paths = _paths(doc)
    path = rng.choice(paths)
    layers = doc.get("layers") if isinstance(doc.get("layers"), list) else []
    entries = [e for e in layers if isinstance(e, dict)]
    kind = rng.choice(["type", "delete", "number", "nan", "deep", "long", "surrogate", "duplicate-id", "loop",
                       "dangling", "extra-key", "swap-type", "many-inputs", "huge-param", "empty"])
    if kind == "type" and path:
        return kind, _set(doc, path, _weird_value(rng))
    if kind == "delete" and path:
        parent = _get(doc, path[:-1])
        del parent[path[-1]]
        return kind, doc
    if kind == "number":
        numbers = [p for p in paths if p and isinstance(_get(doc, p), (int, float)) and not isinstance(_get(doc, p), bool)]
        if numbers:
            return kind, _set(doc, rng.choice(numbers), rng.choice([-1, 0, -(2 ** 40), 2 ** 40, 10 ** 30, 4097, 16385,
                                                                   1e300, 3.5, -7, 2 ** 100]))
    if kind == "nan":
        text = json.dumps(doc)
        spots = [i for i, ch in enumerate(text) if ch.isdigit() and text[i - 1] in " [:"]
        if spots:
            i = rng.choice(spots)
            return kind, text[:i] + rng.choice(["NaN", "Infinity", "-Infinity"]) + text[i + 1:]
    if kind == "deep":
        depth = rng.choice([10, 33, 100, 500, 975, 985, 990, 1200, 5000, 50_000])
        text = json.dumps(doc)
        hole = json.dumps(_set(doc, path, "\u2603HOLE\u2603")) if path else None
        nested = "[" * depth + "]" * depth if rng.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth
        return kind, (hole.replace('"\\u2603HOLE\\u2603"', nested) if hole else text + nested)
    if kind == "long" and path:
        return kind, _set(doc, path, rng.choice(["x", "é", "\n", "\""]) * rng.choice([1000, 100_000, 1_000_000]))
    if kind == "surrogate" and path:
        text = json.dumps(_set(doc, path, "\u2603HOLE\u2603"))
        return kind, text.replace("\\u2603HOLE\\u2603", rng.choice(["\\ud800", "\\udfff", "a\\udc00b", "\\ud83d"]))
    if kind == "duplicate-id" and len(entries) > 1:
        a, b = rng.sample(entries, 2)
        b["id"] = a.get("id")
        return kind, doc
    if kind == "loop" and len(entries) > 2:
        i = rng.randrange(1, len(entries) - 1)
        j = rng.randrange(i + 1, len(entries))
        entries[i]["inputs"] = [entries[j].get("id")]
        return kind, doc
    if kind == "dangling" and entries:
        rng.choice(entries)["inputs"] = [rng.choice(["nowhere", "", "image ", "x" * 70])]
        return kind, doc
    if kind == "extra-key" and path and isinstance(_get(doc, path), dict):
        _get(doc, path)[rng.choice(["extra", "", "\u0000", "k" * 100_000])] = _weird_value(rng)
        return kind, doc
    if kind == "swap-type" and entries:
        rng.choice(entries)["type"] = rng.choice(["Conv2D", "Dense", "Input", "Add", "Concat", "Flatten", "Softmax",
                                                  "ConvTranspose2D", "BatchNorm2D", "Upsample2D", "ZeroPad2D", "Nope"])
        return kind, doc
    if kind == "many-inputs" and entries:
        ids = [e.get("id") for e in entries]
        rng.choice(entries)["inputs"] = rng.choices(ids, k=rng.choice([2, 3, 50]))
        return kind, doc
    if kind == "huge-param" and entries:
        entry = rng.choice(entries)
        params = entry.setdefault("params", {}) if isinstance(entry.get("params", {}), dict) else {}
        params[rng.choice(["filters", "units", "channels", "height", "width", "kernel_size", "stride", "padding",
                           "dilation", "groups", "scale", "output_padding"])] = rng.choice(
            [0, -1, 4096, 16384, 65536, 2 ** 31, [16384, 16384], [0, 1], "same", [1, 2, 3, 4], 1e9])
        return kind, doc
    if kind == "empty":
        return kind, rng.choice([{}, [], {"format": "convstudio.network"}, {"format": "convstudio.network",
                                                                          "version": 1, "layers": []}])
    return "type", _set(doc, ("name",), _weird_value(rng))


def _damage_bytes(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(["truncate", "flip", "splice", "binary", "bom", "invalid-utf8", "nul", "duplicate-key"])
    if kind == "truncate":
        return kind, data[:rng.randrange(0, max(1, len(data)))]
    if kind == "flip":
        b = bytearray(data)
        for _ in range(rng.choice([1, 2, 10])):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
        return kind, bytes(b)
    if kind == "splice":
        i = rng.randrange(len(data) + 1)
        return kind, data[:i] + rng.randbytes(rng.choice([1, 16, 1000])) + data[i:]
    if kind == "binary":
        return kind, rng.randbytes(rng.choice([0, 1, 100, 10_000]))
    if kind == "bom":
        return kind, rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data
    if kind == "invalid-utf8":
        i = rng.randrange(len(data) + 1)
        return kind, data[:i] + rng.choice([b"\xc3", b"\xff", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]) + data[i:]
    if kind == "nul":
        i = rng.randrange(len(data) + 1)
        return kind, data[:i] + b"\x00" + data[i:]
    text = data.decode("utf-8", "replace")
    return kind, text.replace('"name":', '"name": "a", "name":', 1).encode()


def network_files(seed: int, count: int, names=TEMPLATES) -> Iterator[tuple[str, bytes]]:
    """`count` damaged network files (label, bytes), the same for the same seed."""
    rng = random.Random(seed)
    docs = _template_docs(names)
    for _ in range(count):
        base = rng.choice(docs)
        doc = copy.deepcopy(base)
        labels = []
        result: Any = doc
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if isinstance(result, str) or not isinstance(result, dict):
                break
            kind, result = _mutate_doc(result, rng)
            labels.append(kind)
        data = (result if isinstance(result, str) else json.dumps(result, ensure_ascii=rng.random() < 0.5)).encode(
            "utf-8", "surrogatepass")
        if rng.random() < 0.25:
            kind, data = _damage_bytes(data, rng)
            labels.append(kind)
        yield "+".join(labels), data


# -- weights files -------------------------------------------------------------------------------------
def read_weights(data: bytes, folder: Path, net) -> None:
    path = folder / "fuzz.weights.npz"
    path.write_bytes(data)
    load_weights(path, net)
    load_weights(path)


def check_weights(data: bytes, folder: Path, net) -> tuple[str, str]:
    return classify(lambda: read_weights(data, folder, net))


def _npz(arrays: dict[str, np.ndarray], compressed: bool) -> bytes:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def _rezip(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """Rewrite one member of a valid archive: its header, dtype, name or data."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    name = rng.choice(sorted(members))
    kind = rng.choice(["shape", "dtype", "rename", "drop", "extra", "truncate-member", "header-garbage", "object"])
    body = members[name]
    if kind == "shape":
        body = body.replace(b"'shape': (", b"'shape': (" + rng.choice([b"1048576, 1048576, ", b"0, ", b"-1, ",
                                                                       b"99999999999, ", b"3, "]), 1)
    elif kind == "dtype":
        body = body.replace(b"'<f4'", rng.choice([b"'<c8'", b"'|b1'", b"'<U1'", b"'<M8[s]'", b"'|O'", b"'<i4'",
                                                  b"'<f8'", b"'>f4'", b"'<f2'", b"'zz'"]), 1)
    elif kind == "rename":
        members[rng.choice(["noslash.npy", "/x.npy", "a/b/c.npy", "x" * 5000 + "/w.npy", name[:-4] + ".txt"])] = \
            members.pop(name)
        name = None
    elif kind == "drop":
        del members[name]
        name = None
    elif kind == "extra":
        members["unused/weight.npy"] = _npy(np.zeros(rng.choice([(3,), (1000, 1000)]), np.float32))
    elif kind == "truncate-member":
        body = body[:rng.randrange(len(body) + 1)]
    elif kind == "header-garbage":
        body = body[:10] + rng.randbytes(rng.choice([5, 50])) + body[60:]
    else:
        body = _npy(np.array([object()], dtype=object))
    if name is not None:
        members[name] = body
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])) as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return kind, buf.getvalue()


def weights_files(seed: int, count: int, name: str = "lenet5") -> tuple[Any, Iterator[tuple[str, bytes]]]:
    """(network, iterator of `count` damaged weights files for it)."""
    net = load_template(name)
    flat = {f"{nid}/{k}": a for nid, ws in init_weights(net, 0).items() for k, a in ws.items()}

    def files():
        rng = random.Random(seed)
        for _ in range(count):
            data = _npz(flat, rng.random() < 0.5)
            roll = rng.random()
            if roll < 0.6:
                kind, data = _rezip(data, rng)
            elif roll < 0.9:
                kind, data = _damage_bytes(data, rng)
            else:
                kind, data = "npy", _npy(rng.choice([np.zeros(3, np.float32), np.zeros((2, 2))]))
            yield kind, data
    return net, files()


# -- ONNX models -----------------------------------------------------------------------------------------
def check_onnx(data: bytes, folder: Path) -> tuple[str, str]:
    from convstudio.interop import import_onnx

    path = folder / "fuzz.onnx"
    path.write_bytes(data)
    return classify(lambda: import_onnx(path))


def _mutate_model(model, rng: random.Random, onnx) -> str:
    graph = model.graph
    kind = rng.choice(["attribute", "dims", "data-type", "raw-data", "input-dims", "op-type", "drop-input",
                       "hints", "opset", "rename-output", "doc"])
    if kind == "attribute":
        nodes = [n for n in graph.node if n.attribute]
        if nodes:
            attr = rng.choice(rng.choice(nodes).attribute)
            if attr.ints:
                attr.ints[rng.randrange(len(attr.ints))] = rng.choice([0, -1, -5, 2 ** 31, 2 ** 62, 100_000])
            elif attr.type == onnx.AttributeProto.INT:
                attr.i = rng.choice([0, -1, 2, 2 ** 40])
            elif attr.type == onnx.AttributeProto.FLOAT:
                attr.f = rng.choice([float("nan"), float("inf"), -1.0, 0.0])
            elif attr.type == onnx.AttributeProto.STRING:
                attr.s = rng.choice([b"SAME_UPPER", b"SAME_LOWER", b"VALID", b"bogus", b"\xff"])
    elif kind == "dims" and graph.initializer:
        t = rng.choice(graph.initializer)
        if t.dims:
            t.dims[rng.randrange(len(t.dims))] = rng.choice([0, 1, 7, 2 ** 20, -3])
    elif kind == "data-type" and graph.initializer:
        rng.choice(graph.initializer).data_type = rng.choice([0, 2, 6, 7, 8, 9, 14, 99, 10, 11])
    elif kind == "raw-data" and graph.initializer:
        t = rng.choice(graph.initializer)
        t.raw_data = t.raw_data[:rng.randrange(len(t.raw_data) + 1)] + rng.randbytes(rng.choice([0, 3, 400]))
    elif kind == "input-dims":
        dims = graph.input[0].type.tensor_type.shape.dim
        dims[rng.randrange(len(dims))].dim_value = rng.choice([0, 1, 16385, 100_000, 2 ** 40])
    elif kind == "op-type" and graph.node:
        rng.choice(graph.node).op_type = rng.choice(["Conv", "MaxPool", "Gemm", "Softmax", "Concat", "Reshape",
                                                     "Resize", "Pad", "Elu", "ConvTranspose", "Flatten"])
    elif kind == "drop-input":
        nodes = [n for n in graph.node if n.input]
        if nodes:
            node = rng.choice(nodes)
            del node.input[rng.randrange(len(node.input))]
    elif kind == "hints":
        from convstudio.interop.onnx_support import HINTS_KEY
        onnx.helper.set_model_props(model, {HINTS_KEY: rng.choice(["{", "[]", '{"a": 1}', "[" * 5000 + "]" * 5000,
                                                                   '{"conv1": {"type": "Conv2D", "params": 5}}'])})
    elif kind == "opset":
        model.opset_import[0].version = rng.choice([1, 6, 7, 9, 11, 12, 13, 99])
    elif kind == "rename-output" and graph.node:
        rng.choice(graph.node).output[0] = rng.choice(["", "x", "zz", "a" * 10_000])
    else:
        graph.doc_string = rng.choice(["", "\x00", "é" * 100_000])
    return kind


def onnx_files(seed: int, count: int, names=("lenet5", "tinyvgg")) -> Iterator[tuple[str, bytes]]:
    """`count` damaged ONNX models exported from the templates (needs the onnx package)."""
    import onnx

    from convstudio.interop import export_onnx

    rng = random.Random(seed)
    bases = []
    for name in names:
        net = load_template(name)
        bases.append(export_onnx(net, init_weights(net, 0)).SerializeToString())
    for _ in range(count):
        data = rng.choice(bases)
        if rng.random() < 0.7:
            model = onnx.load_from_string(data)
            labels = [_mutate_model(model, rng, onnx) for _ in range(rng.choice([1, 1, 2]))]
            data = model.SerializeToString()
        else:
            labels = []
        if not labels or rng.random() < 0.2:
            kind, data = _damage_bytes(data, rng)
            labels.append(kind)
        yield "+".join(labels), data
