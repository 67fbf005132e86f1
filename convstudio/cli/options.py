"""Argument helpers shared by the subcommands."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..engine.datasets import Dataset, load_dataset
from ..engine.infer import Report, infer
from ..engine.training import check_trainable
from ..engine.weights import WeightSet, init_weights, load_weights
from ..errors import ConvStudioError
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


def training_data(net: Network, source: str, seed: int, count: int | None) -> Dataset:
    """The dataset at the network's Input size, checked against its output; warnings printed."""
    report = infer(net)
    if report.errors:
        raise ConvStudioError(f"the network has errors: {report.errors[0].message}")
    inp = next((n for n in net if n.type == "Input"), None)
    if inp is None:
        raise ConvStudioError(f"{net.name} has no Input layer to feed images to")
    shape = (inp.params["channels"], inp.params["height"], inp.params["width"])
    data = load_dataset(source, shape=shape, seed=seed, count=count)
    check_trainable(net, data)
    for warning in data.warnings:
        print(f"warning: {warning}")
    return data
