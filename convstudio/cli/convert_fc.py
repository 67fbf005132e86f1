"""`convstudio convert-fc NET.json -o OUT.json`: the same network with its fully connected layers as convolutions."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ..engine.infer import infer
from ..engine.transforms import convert_fc_weights, fc_to_conv, output_difference, plan_fc_to_conv
from ..engine.weights import init_weights, load_weights, save_weights, weights_path_for
from ..errors import ConvStudioError
from ..graph import SetMeta
from ..io import save_network
from ..io.templates import open_source
from ..layers import fmt_shape
from .options import weights_file


def add_parser(sub) -> None:
    p = sub.add_parser("convert-fc", help="turn Flatten → Dense layers into the convolutions they equal",
                       description="Write a copy of the network where each Dense after Flatten is a Conv2D with "
                                   "the map's size as kernel and each following Dense a 1×1 Conv2D. Weights (given "
                                   "or named by the network) are converted to OUT.weights.npz. Exit 2 on errors.")
    p.add_argument("network", help="network JSON file, or template:NAME")
    p.add_argument("-o", "--output", required=True, metavar="OUT.json", help="where to write the converted network")
    p.add_argument("--weights", metavar="W.npz", help="weights to convert (default: the network's own weights file)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random check image (and of random weights)")
    p.add_argument("--no-check", action="store_true", help="skip comparing the outputs on a random image")


def run(args) -> int:
    try:
        _convert(args)
    except ConvStudioError as e:
        print(f"convstudio convert-fc: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"convstudio convert-fc: cannot write {args.output}: {e.strerror or e}", file=sys.stderr)
        return 2
    return 0


def _convert(args) -> None:
    net = open_source(args.network)
    source = weights_file(args, net)
    weights = load_weights(source, net) if source else None
    new, new_weights = fc_to_conv(net, weights)
    out = Path(args.output)
    target = weights_path_for(out)
    orphan = new_weights is not None and not target.exists()
    if new_weights is not None:
        save_weights(target, new_weights)
        SetMeta(weights=target.name).redo(new)
    try:
        save_network(new, out)
    except BaseException:
        if orphan:  # no network file refers to it: do not leave it behind
            target.unlink(missing_ok=True)
        raise
    _report(args, net, new, weights)
    print(f"wrote {out}" + (f" and {weights_path_for(out)}" if new_weights is not None else ""))


def _report(args, net, new, weights) -> None:
    before, after = infer(net), infer(new)
    plan = plan_fc_to_conv(net, before)
    for d in plan.denses:
        print(f"{d.id}: Dense {before.nodes[d.id].input_shapes[0][0]:,} → {d.units:,} is now Conv2D "
              f"K{d.units} F{d.kernel[0]}×{d.kernel[1]} on {d.channels}×{d.kernel[0]}×{d.kernel[1]} "
              f"({after.nodes[d.id].params:,} parameters)")
    if plan.flattens:
        print(f"removed: {', '.join(plan.flattens)}")
    print(f"parameters: {before.total_params:,} before, {after.total_params:,} after")
    if not args.no_check:
        _check(args, net, new, weights, plan, before)


def _check(args, net, new, weights, plan, report) -> None:
    label = "its weights"
    if weights is None:
        weights, label = init_weights(net, args.seed, report), f"random weights (seed {args.seed})"
    shape = report.nodes[report.inputs[0]].shape
    x = np.random.default_rng(args.seed).standard_normal((1, *shape)).astype(np.float32)
    worst, rel = output_difference(net, new, weights, convert_fc_weights(plan, weights), x)
    print(f"outputs with {label} on a random {fmt_shape(shape)} image: max |difference| {worst:.3g} "
          f"(relative {rel:.3g})")
