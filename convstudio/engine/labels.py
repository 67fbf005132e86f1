"""Class names against class scores: how many classes a network's output gives, and whether its labels fit.

A network's output counts K classes when it is (K,) (Dense), (K, 1, 1) (a 1×1 convolution after an FC → Conv
conversion) or a K×H×W score map (a fully convolutional network on a larger image: K scores per position).
"""
from __future__ import annotations

from ..errors import ConvStudioError
from ..graph import Network
from .classes import classes_of_shape, labels_mismatch  # noqa: F401  (part of this module's interface)
from .infer import Report, infer


def output_classes(net: Network, report: Report | None = None) -> int | None:
    """The class count of the network's single output, or None (several outputs, errors, another rank)."""
    if report is None:
        report = infer(net)
    outputs = report.outputs
    if len(outputs) != 1:
        return None
    return classes_of_shape(report.nodes[outputs[0]].shape)


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
