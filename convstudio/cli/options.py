"""Argument helpers shared by the subcommands."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..engine.infer import Report
from ..engine.weights import WeightSet, init_weights, load_weights
from ..graph import Network
from ..io.paths import weights_beside
from ..io.templates import source_path


def input_shape(text: str) -> tuple[int, int, int]:
    """Parse `--input C,H,W`."""
    try:
        c, h, w = (int(v) for v in text.replace("×", ",").replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected C,H,W such as 3,224,224, got {text!r}") from None
    if min(c, h, w) < 1 or max(c, h, w) > 65536:
        raise argparse.ArgumentTypeError(f"each of C,H,W must be between 1 and 65536, got {text!r}")
    return c, h, w


def weights_file(args, net: Network, fresh: bool = False) -> Path | None:
    """--weights, else the network's own weights file (a template's bundled one too), else None."""
    if args.weights:
        return Path(args.weights)
    if net.weights and not fresh:
        return weights_beside(source_path(args.network), net.weights)
    return None


def weights_for(args, net: Network, report: Report | None = None) -> WeightSet:
    """The weights `weights_file` names, else random ones from --seed."""
    path = weights_file(args, net)
    return load_weights(path, net, report) if path else init_weights(net, args.seed, report)
