"""The layer table of a network: rows of text per layer, totals and diagnostics.

Shared by `convstudio summary` and the app's summary dock, so both agree cell for cell.
"""
from __future__ import annotations

from ..wording import counted
from ..graph import Network
from ..layers import fmt_shape, get
from ..layers.base import fmt_pair
from .infer import Report
from .numbers import count, short


def summary_dict(net: Network, report: Report) -> dict:
    def rf(r):
        f = r.receptive_field
        if f is None:
            return None
        return {"size": list(f.clipped), "jump": [float(j) for j in f.jump], "whole_input": f.whole}

    inputs = [report.nodes[i].shape for i in report.inputs]
    return {
        "name": net.name,
        "input": list(inputs[0]) if inputs and inputs[0] else None,
        "layers": [{
            "id": r.id, "type": r.type,
            "output_shape": list(r.shape) if r.shape else None,
            "params": r.params, "macs": r.macs, "receptive_field": rf(r),
            "diagnostics": [{"level": d.level, "message": d.message} for d in r.diagnostics],
        } for r in (report.nodes[i] for i in report.order)],
        "total_params": report.total_params,
        "total_macs": report.total_macs,
        "errors": [d.message for d in report.errors],
        "warnings": [d.message for d in report.warnings],
    }


def table_rows(net: Network, report: Report) -> list[list[str]]:
    """One row of text cells per layer, in run order (shared by the CLI and the app's summary)."""
    return [table_row(net, report, nid) for nid in report.order]


def table_row(net: Network, report: Report, nid: str) -> list[str]:
    """The text cells of one layer's row (the app redoes only the rows an edit changed)."""
    r = report.nodes[nid]
    node = net.node(nid)
    return [
        nid, r.type, get(r.type).key_params(node.params),
        fmt_shape(r.shape), count(r.params), count(r.macs),
        r.receptive_field.describe() if r.receptive_field else "",
        _jump(r.receptive_field.jump) if r.receptive_field and not r.receptive_field.whole else "",
    ]


HEADER = ["id", "type", "settings", "output C×H×W", "params", "MACs", "receptive field", "jump"]


def _jump(jump: tuple[float, float]) -> str:
    """Input pixels between neighbouring outputs: "4", or "2×1" when rows and columns differ."""
    return fmt_pair([f"{j:g}" for j in jump])


def summary_table(net: Network, report: Report) -> str:
    rows = [HEADER] + table_rows(net, report)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    right = {4, 5}

    def line(r):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    rule = "─" * len(line(rows[0]))
    out = [net.name, rule, line(rows[0]), rule] + [line(r) for r in rows[1:]] + [rule]
    if not report.order:
        out.append("The network has no layers yet.")
    out.append(f"Total params: {report.total_params:,}")
    out.append(f"Total MACs:   {report.total_macs:,} ({short(report.total_macs, 'MAC', '.2f')}; FLOPs = 2 × MACs)")
    sinks = [fmt_shape(report.nodes[i].shape) for i in report.outputs]
    out.append(f"Output:       {', '.join(sinks)}")
    if report.diagnostics:
        out.append("")
        out += [f"{d.level}: {d.message}" for d in report.diagnostics]
    out.append(f"{counted(len(report.errors), 'error')}, {counted(len(report.warnings), 'warning')}")
    return "\n".join(out)
