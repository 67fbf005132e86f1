"""`convstudio summary NET.json`: the layer table with shapes, parameters, MACs and diagnostics."""
from __future__ import annotations

import json

from ..engine.infer import infer
from ..engine.summary import summary_dict, summary_table
from ..io.templates import open_source
from .options import input_shape


def add_parser(sub) -> None:
    p = sub.add_parser("summary", help="print the layer table of a network",
                       description="Print every layer's output shape, parameters, MACs and receptive field, "
                                   "with totals and diagnostics. Exit 0 valid, 1 errors, 2 unreadable file.")
    p.add_argument("network", help="network JSON file, or template:NAME")
    p.add_argument("--input", type=input_shape, metavar="C,H,W", help="run with this input shape instead")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def run(args) -> int:
    net = open_source(args.network)
    report = infer(net, input_shape=args.input)
    if args.json:
        print(json.dumps(summary_dict(net, report), indent=2, ensure_ascii=False))
    else:
        print(summary_table(net, report))
    return 1 if report.errors else 0
