"""Exports and import registered per layer type.

Each layer family has one module in interop/families/ that declares, next to each
other, how its types are written as PyTorch code, written as ONNX node(s), and read
back from ONNX operations. The decorators below file those functions by type; the
exporters and the importer only look them up, so a new type needs no central table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import layers

# (params, input shapes, node, report) -> the nn module constructor, or None when written inline
TorchModule = Callable[..., "str | None"]
# (argument names, "self.<attribute>", node, report) -> the expression in forward()
TorchForward = Callable[..., str]
# (builder, node, params, input names) -> None; the builder collects the ONNX node(s)
OnnxEmit = Callable[..., None]
# (converter, op) -> None; the converter adds the layer(s)
OnnxConvert = Callable[..., None]


@dataclass
class _Entry:
    torch_module: TorchModule | None = None
    torch_forward: TorchForward | None = None
    onnx_export: OnnxEmit | None = None


_BY_TYPE: dict[str, _Entry] = {}
_IMPORTERS: dict[str, OnnxConvert] = {}  # ONNX op type → converter
_MADE_BY: dict[str, list[str]] = {}  # layer type → ONNX op types that import as it


def _entry(type_name: str) -> _Entry:
    layers.get(type_name)  # KeyError naming the known types for a typo
    return _BY_TYPE.setdefault(type_name, _Entry())


def _filer(slot: str, type_name: str):
    def decorate(fn):
        entry = _entry(type_name)
        if getattr(entry, slot) is not None:
            raise ValueError(f"{type_name}: {slot.replace('_', ' ')} is registered twice")
        setattr(entry, slot, fn)
        return fn
    return decorate


def torch_module(type_name: str):
    """Decorator: `fn(params, input_shapes, node, report)` gives the nn module source, or None if inline."""
    return _filer("torch_module", type_name)


def torch_forward(type_name: str):
    """Decorator: `fn(args, attribute, node, report)` gives the forward() expression (default: attribute(x))."""
    return _filer("torch_forward", type_name)


def onnx_export(type_name: str):
    """Decorator: `fn(builder, node, params, inputs)` emits the ONNX node(s) of one layer."""
    return _filer("onnx_export", type_name)


def onnx_import(*op_types: str, makes: tuple[str, ...] = ()):
    """Decorator: `fn(converter, op)` converts these ONNX operations into layers of the types in `makes`."""
    def decorate(fn):
        for op in op_types:
            if op in _IMPORTERS:
                raise ValueError(f"ONNX operation {op} has two converters")
            _IMPORTERS[op] = fn
        for type_name in makes:
            layers.get(type_name)
            _MADE_BY.setdefault(type_name, []).extend(op_types)
        return fn
    return decorate


def torch_module_of(type_name: str) -> TorchModule | None:
    return _entry(type_name).torch_module


def torch_forward_of(type_name: str) -> TorchForward | None:
    return _entry(type_name).torch_forward


def onnx_export_of(type_name: str) -> OnnxEmit | None:
    return _entry(type_name).onnx_export


def onnx_importers() -> dict[str, OnnxConvert]:
    return dict(_IMPORTERS)


def made_by(type_name: str) -> list[str]:
    """The ONNX operations that import as `type_name`."""
    return list(_MADE_BY.get(type_name, []))


def lacking(type_name: str) -> list[str]:
    """What a layer type has no registration for: the coverage test names these."""
    entry, decl = _entry(type_name), layers.get(type_name)
    missing = []
    if entry.torch_module is None:
        missing.append("a PyTorch module (@torch_module)")
    if entry.onnx_export is None:
        missing.append("an ONNX export (@onnx_export)")
    if not decl.is_input and not made_by(type_name):  # Input layers come from the model's graph inputs
        missing.append("an ONNX import (@onnx_import(..., makes=...))")
    return missing
