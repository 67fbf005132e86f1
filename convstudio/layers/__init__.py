"""The layer catalogue: one declaration per type, found through the registry."""
from . import input, conv, pool, activation, norm, dense, merge, reshape  # noqa: F401,I001  (registers, in palette order)
from .base import GLOBAL, Grads, LayerType, Shape, ShapeError, Tape, Window, fmt_shape
from .params import Param, ParamError
from .registry import FAMILIES, by_family, get, names

__all__ = ["GLOBAL", "FAMILIES", "Grads", "LayerType", "Param", "ParamError", "Shape", "ShapeError", "Tape", "Window",
           "by_family", "fmt_shape", "get", "names"]
