"""`convstudio run NET.json --image …`: a forward pass from the command line.

Writes every activation to activations.npz and a PNG grid of feature maps per chosen
layer, and prints the top-5 of the final output.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..engine import images
from ..engine.execute import check_resources, run as run_network
from ..engine.grid import save_png, tile
from ..engine.infer import infer
from ..engine.weights import init_weights, load_weights
from ..errors import ConvStudioError
from ..io.atomic import write_atomic
from ..io.paths import weights_beside
from ..io.templates import open_source


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run a network on an image and write its feature maps",
                       description="Run a forward pass; write activations.npz and feature-map PNG grids "
                                   "into --out, print the top-5 of the final output.")
    p.add_argument("network", help="network JSON file, or template:NAME")
    p.add_argument("--image", required=True, help="PNG/JPEG file or sample:NAME (" +
                   ", ".join(images.sample_names()) + ")")
    p.add_argument("--weights", help=".npz weights (default: the network's own weights file, else random)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    p.add_argument("--layer", action="extend", nargs="+", default=[], metavar="ID",
                   help="layers whose feature maps to draw (several, or repeat --layer; default: every conv layer)")
    p.add_argument("--normalize", choices=["imagenet"], help="normalize the image after scaling to [0, 1]")
    p.add_argument("--out", required=True, help="folder for activations.npz and the PNG grids")


def run(args) -> int:
    net = open_source(args.network)
    report = infer(net)
    if report.errors:
        raise ConvStudioError(f"the network has errors: {report.errors[0].message}")
    unknown = [i for i in args.layer if i not in net]
    if unknown:
        raise ConvStudioError(f"--layer: no layer {unknown[0]!r} in {net.name}")
    check_resources(net, report)  # before drawing weights or scaling the image to a huge Input
    out = _out_folder(args.out)
    weights = _weights(args, net, report)
    x = _image(args, net)
    acts = run_network(net, x, weights)
    _write_activations(out / "activations.npz", acts)
    chosen = args.layer or [n.id for n in net if n.type in ("Conv2D", "ConvTranspose2D")]
    drawn = [nid for nid in chosen if acts[nid].ndim == 4]
    for nid in drawn:
        _write(out / f"{nid}.png", lambda path, nid=nid: save_png(path, tile(acts[nid][0])))
    print(f"wrote {out / 'activations.npz'} and {len(drawn)} feature-map grid(s) to {out}")
    flat = [nid for nid in chosen if nid not in drawn]
    if flat:
        print(f"no grid for {', '.join(flat)}: flat outputs have no maps (their values are in activations.npz)")
    final = report.outputs[-1]
    print(_top5(final, acts[final][0]))
    return 0


def _out_folder(name: str) -> Path:
    """The --out folder, created if needed; a clear error when it cannot be."""
    out = Path(name)
    if out.exists() and not out.is_dir():
        raise ConvStudioError(f"--out: {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConvStudioError(f"--out: cannot create the folder {out}: {exc.strerror or exc}") from exc
    return out


def _write(path: Path, write) -> None:
    try:
        write(path)
    except OSError as exc:
        raise ConvStudioError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _weights(args, net, report):
    if args.weights:
        return load_weights(args.weights, net, report)
    if net.weights and not args.network.startswith("template:"):
        return load_weights(weights_beside(args.network, net.weights), net, report)
    return init_weights(net, args.seed, report)


def _image(args, net) -> np.ndarray:
    inputs = [n for n in net if n.type == "Input"]
    if len(inputs) != 1:
        raise ConvStudioError(f"run needs a network with one Input layer, {net.name} has {len(inputs)}")
    p = inputs[0].params
    original = images.load_image_source(args.image, sample_size=(p["height"], p["width"]))
    prepared = images.prepare_image(original, p["channels"], p["height"], p["width"], normalize=args.normalize)
    return images.to_batch(prepared)


def _write_activations(path: Path, acts) -> None:
    buf = io.BytesIO()
    np.savez(buf, **acts)
    _write(path, lambda p: write_atomic(p, buf.getvalue()))


def _top5(node_id: str, values: np.ndarray) -> str:
    flat = values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim == 3 else values.ravel()
    order = np.argsort(flat)[::-1][:5]
    lines = [f"top-5 of {node_id} ({'×'.join(map(str, values.shape))}):"]
    lines += [f"  {rank}. class {int(i)}: {flat[i]:.6g}" for rank, i in enumerate(order, 1)]
    if values.ndim == 3 and values.shape[1:] != (1, 1):
        lines.append("  (spatial output: scores averaged over positions)")
    return "\n".join(lines)
