"""Turning layer ids into Python names and foreign names into layer ids.

Layer ids may contain '-' and '.', and ONNX node names may contain anything, so both
directions need a rule that keeps names readable, unique and legal.
"""
from __future__ import annotations

import keyword
import re

from ..graph.node import ID_PATTERN

# Attributes of torch.nn.Module (torch 2.x) and the names the generated code itself uses;
# a layer attribute with one of these names would shadow them.
RESERVED = frozenset((
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile",
    "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
    "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
    "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_", "set_extra_state",
    "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train", "training", "type", "xpu",
    "zero_grad", "self", "torch", "nn", "F", "np", "load_npz", "NPZ_NAMES", "super",
))


def python_names(ids: list[str]) -> dict[str, str]:
    """A unique, legal Python attribute name for every layer id (most ids map to themselves)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for nid in ids:
        name = re.sub(r"\W", "_", nid, flags=re.ASCII)
        if name.startswith("_"):
            name = "layer" + name
        if keyword.iskeyword(name) or name in RESERVED:
            name += "_"
        names[nid] = _unique(name, used, "_")
        used.add(names[nid])
    return names


def class_name(title: str) -> str:
    """CamelCase class name from a network name ("ResNet-18" -> "ResNet18")."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(w[0].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha() or keyword.iskeyword(name) or name in RESERVED:
        name = "Network" + name
    return name


def layer_id(name: str, fallback: str, used: set[str], op: str = "") -> str:
    """A valid unique layer id from a foreign name ("/features/features.0/Conv" -> "features_features.0").

    In path-like names a trailing part naming the operation `op` is dropped, as
    exporters append it; a name that says nothing more than the operation becomes
    `fallback` numbered the way the app numbers new layers (relu1, relu2, …).
    """
    parts = [p for p in name.strip("/").split("/") if p]
    if "/" in name and parts and op and re.fullmatch(rf"{re.escape(op)}(_\d+)?", parts[-1], re.IGNORECASE):
        parts.pop()
    text = re.sub(r"[^A-Za-z0-9_.\-]", "_", "_".join(parts))[:58]
    if not text:
        k = 1
        while f"{fallback}{k}" in used:
            k += 1
        return f"{fallback}{k}"
    if not re.match(r"[A-Za-z_]", text):
        text = f"{fallback}_{text}"
    result = _unique(text, used, "_")
    assert ID_PATTERN.match(result), result
    return result


def _unique(name: str, used: set[str], sep: str) -> str:
    if name not in used:
        return name
    k = 2
    while f"{name}{sep}{k}" in used:
        k += 1
    return f"{name}{sep}{k}"
