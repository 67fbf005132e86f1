"""Input: the forward() argument in PyTorch code and the graph input in ONNX.

The importer turns the model's graph inputs into Input layers itself (onnx_convert.Converter).
"""
from __future__ import annotations

from ..registry import onnx_export, torch_module


@torch_module("Input")
def input_module(p, *_) -> None:
    """No module: the image is the argument of forward()."""
    return None


@onnx_export("Input")
def input_node(b, node, p, ins) -> None:
    """No node: the builder declares the graph input from the inferred shape."""
