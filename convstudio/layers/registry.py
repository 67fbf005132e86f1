"""Maps stable type names ("Conv2D") to their declarations."""
from __future__ import annotations

from .base import LayerType

_REGISTRY: dict[str, LayerType] = {}

FAMILIES = ("Input", "Convolution", "Pooling", "Activation", "Normalization", "Dense", "Merge", "Reshape")


def register(cls: type[LayerType]) -> type[LayerType]:
    """Class decorator: declare a layer type; a second type with the same name is an error."""
    if cls.name in _REGISTRY:
        raise ValueError(f"layer type {cls.name!r} is declared twice")
    if cls.family not in FAMILIES:
        raise ValueError(f"layer type {cls.name!r} has unknown family {cls.family!r}")
    names = [p.name for p in cls.params]
    if len(set(names)) != len(names):
        raise ValueError(f"layer type {cls.name!r} declares a parameter twice")
    _REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> LayerType:
    """The declaration for `name`; KeyError names the known types."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown layer type {name!r}; known types: {', '.join(sorted(_REGISTRY))}") from None


def names() -> list[str]:
    return list(_REGISTRY)


def by_family() -> dict[str, list[LayerType]]:
    """Types grouped by family in palette order."""
    groups: dict[str, list[LayerType]] = {f: [] for f in FAMILIES}
    for t in _REGISTRY.values():
        groups[t.family].append(t)
    return groups
