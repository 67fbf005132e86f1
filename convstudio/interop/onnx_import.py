"""ONNX models made of convolutional building blocks, turned into a network and weights.

Every ONNX node becomes the ConvStudio layer with the same meaning (interop/families/
has one converter per operation), checked layer by layer so a problem names the ONNX node.
Layer ids come from the node names (made valid and unique); positions come from the
layered layout. Files written by ConvStudio's own export carry their layers'
parameter spellings ("same", an empty pool stride) in the metadata; they are used
only where they mean exactly what the nodes say, so an export → import round trip
gives back the same JSON.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from ..engine import memory
from ..engine.weights import WeightSet, save_weights, weights_path_for
from ..errors import ConvStudioError, FormatError
from ..graph import Network
from ..io.atomic import write_atomic
from ..io.network_json import dumps
from . import families, registry  # noqa: F401  (families registers each ONNX operation's converter)
from .onnx_convert import Converter, first_line
from .onnx_support import require_onnx


def import_onnx(path: str | os.PathLike) -> tuple[Network, WeightSet]:
    """The network and weights an ONNX file describes; ConvStudioError names what cannot be converted."""
    onnx = require_onnx("import")
    model = read_model(onnx, path)
    return Converter(onnx, model, Path(path).stem, registry.onnx_importers()).convert()


def convert_onnx_file(onnx_path: str | os.PathLike, json_path: str | os.PathLike) -> Network:
    """Import `onnx_path` and write NET.json plus NET.weights.npz beside it; nothing is written on failure."""
    net, weights = import_onnx(onnx_path)
    write_imported(net, weights, json_path)
    return net


def write_imported(net: Network, weights: WeightSet, json_path: str | os.PathLike) -> None:
    """Write the weights, then the JSON that names them; a failed JSON write removes a new weights file."""
    npz = weights_path_for(json_path)
    net.weights = npz.name  # a fresh network nobody observes yet, so no edit command is needed
    text = dumps(net).encode("utf-8")
    existed = npz.exists()
    try:
        save_weights(npz, weights)
        try:
            write_atomic(json_path, text)
        except BaseException:
            if not existed:
                npz.unlink(missing_ok=True)
            raise
    except OSError as e:
        raise ConvStudioError(f"{e.filename or json_path}: cannot write ({e.strerror or e})") from None


def read_model(onnx, path: str | os.PathLike):
    """The parsed and checked ModelProto, or FormatError saying why the file is not one."""
    p = Path(path)
    if not p.exists():
        raise FormatError(f"{path}: no such file")
    if p.is_dir():
        raise FormatError(f"{path}: is a folder, not an ONNX file")
    try:
        model = onnx.load(str(p), format="protobuf")  # not guessed from the suffix: a .json would parse as text
    except Exception as e:  # noqa: BLE001 - protobuf and onnx raise many types for a file that is not a model
        hint = "; it looks like JSON: a ConvStudio network opens as it is" if _looks_like_json(p) else ""
        raise FormatError(f"{path}: not a readable ONNX model ({first_line(e) or type(e).__name__}){hint}") from None
    if not model.graph.node:
        raise FormatError(f"{path}: not an ONNX model with a graph (no operations found)")
    try:
        onnx.checker.check_model(model)
    except Exception as e:  # noqa: BLE001 - besides ValidationError, invalid UTF-8 raises UnicodeDecodeError
        raise FormatError(f"{path}: not a valid ONNX model ({first_line(e) or type(e).__name__})") from None
    _check_initializers(onnx, model, path)
    return model


def _check_initializers(onnx, model, path) -> None:
    """Each initializer's data must be of a known type and match its shape, and all of them must
    fit in memory once converted, before any is converted."""
    total = 0
    for t in model.graph.initializer:
        name = t.name if len(t.name) <= 60 else t.name[:57] + "..."
        try:
            dtype = onnx.helper.tensor_dtype_to_np_dtype(t.data_type)
        except (KeyError, ValueError, TypeError):
            raise FormatError(f"{path}: initializer '{name}' has an unknown data type ({t.data_type})") from None
        count = math.prod(t.dims)
        if any(d < 0 for d in t.dims):
            raise FormatError(f"{path}: initializer '{name}' has a negative dimension {list(t.dims)}")
        if t.HasField("raw_data") and t.data_location != onnx.TensorProto.EXTERNAL:
            if len(t.raw_data) != count * dtype.itemsize:
                raise FormatError(f"{path}: initializer '{name}' declares {'×'.join(map(str, t.dims)) or 'a scalar'} "
                                  f"values of {dtype.itemsize} bytes but holds {len(t.raw_data):,} bytes")
        total += count * (dtype.itemsize + memory.FLOAT)
    limit = memory.default_limit()
    if total > limit:
        raise FormatError(f"{path}: its weights need about {memory.human(total)} once read, "
                          f"more than the limit of {memory.human(limit)}")


def _looks_like_json(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(64).lstrip().startswith(b"{")
