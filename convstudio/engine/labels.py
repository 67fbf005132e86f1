"""Class names against class scores: how many classes a network's output gives, and whether its labels fit.

A network's output counts K classes when it is (K,) (Dense), (K, 1, 1) (a 1×1 convolution after an FC → Conv
conversion) or a K×H×W score map (a fully convolutional network on a larger image: K scores per position).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConvStudioError

if TYPE_CHECKING:
    from ..graph import Network
    from .infer import Report

Shape = tuple[int, ...]


def classes_of_shape(shape: Shape | None) -> int | None:
    """K for a (K,), (K, 1, 1) or K×H×W output; None for an unknown shape or another rank."""
    if shape is None or len(shape) not in (1, 3):
        return None
    return int(shape[0])


def output_classes(net: Network, report: Report | None = None) -> int | None:
    """The class count of the network's single output, or None (several outputs, errors, another rank)."""
    if report is None:
        from .infer import infer

        report = infer(net)
    outputs = report.outputs
    if len(outputs) != 1:
        return None
    return classes_of_shape(report.nodes[outputs[0]].shape)


def labels_mismatch(labels: list[str], classes: int | None) -> str | None:
    """Why `labels` do not name `classes` class scores, or None when they fit (or there are no labels)."""
    if not labels or classes is None or len(labels) == classes:
        return None
    return (f"the network names {len(labels)} classes ({_preview(labels)}) but its output gives "
            f"{classes} class score{'s' * (classes != 1)}")


def check_labels_fit(net: Network, report: Report | None = None) -> int:
    """The output's class count, after checking the network's labels name exactly that many classes.

    Raises ConvStudioError when the output has no class scores or the labels count differs.
    """
    classes = output_classes(net, report)
    if classes is None:
        raise ConvStudioError(f"{net.name}: the output is not class scores of shape (K,), (K, 1, 1) or K×H×W "
                              "from one output layer")
    problem = labels_mismatch(net.labels, classes)
    if problem:
        raise ConvStudioError(f"{net.name}: {problem}")
    return classes


def class_names(net: Network, classes: int) -> list[str]:
    """The network's labels when they fit `classes`, else "class 0", "class 1", …"""
    if len(net.labels) == classes:
        return list(net.labels)
    return [f"class {i}" for i in range(classes)]


def _preview(labels: list[str], most: int = 4) -> str:
    shown = ", ".join(labels[:most])
    return shown + (", …" if len(labels) > most else "")
