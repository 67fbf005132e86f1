"""One module per layer family: each type's PyTorch code, ONNX node(s) and ONNX import, side by side.

Importing this package registers them all (interop/registry.py).
"""
from . import input, conv, pool, activation, norm, dense, merge, reshape  # noqa: F401,I001  (registers)
