"""What every export needs first: a network that fits together."""
from __future__ import annotations

from ..engine.infer import Report, infer
from ..errors import ConvStudioError
from ..graph import Network


def exportable_report(net: Network) -> Report:
    """The inference report, or ConvStudioError naming the first problem (an export must be runnable)."""
    report = infer(net)
    if report.errors:
        raise ConvStudioError(f"cannot export {net.name}: {report.errors[0].message}")
    if not report.inputs:
        raise ConvStudioError(f"cannot export {net.name}: it has no Input layer")
    return report


def file_order(net: Network, report: Report) -> list[str]:
    """The layers in file order when that order already runs (as users wrote it), else in run order."""
    seen: set[str] = set()
    for node in net:
        if not seen.issuperset(node.inputs):
            return list(report.order)
        seen.add(node.id)
    return net.ids()
