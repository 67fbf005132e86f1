"""`convstudio run NET.json --image …`: a forward pass from the command line.

Writes every activation to activations.npz and a PNG grid of feature maps per chosen
layer, and prints the top-5 of the final output.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..engine import images
from ..engine.execute import check_resources, run as run_network
from ..engine.grid import save_png, tile
from ..engine.infer import infer
from .. import layers
from ..errors import ConvStudioError
from ..io.atomic import write_atomic
from ..io.templates import open_source
from ..wording import counted
from .options import input_shape, weights_for


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
    p.add_argument("--input", type=input_shape, metavar="C,H,W",
                   help="run at this image size instead of the Input layer's (a fully convolutional network then "
                        "gives score maps)")
    p.add_argument("--out", help="folder for activations.npz and the PNG grids")
    p.add_argument("--json", action="store_true",
                   help='print {"predictions": [{"label", "probability"}, …]} best first instead of the top-5')


def run(args) -> int:
    net = open_source(args.network)
    report = infer(net)
    if report.errors:
        raise ConvStudioError(f"the network has errors: {report.errors[0].message}")
    unknown = [i for i in args.layer if i not in net]
    if unknown:
        raise ConvStudioError(f"--layer: no layer {unknown[0]!r} in {net.name}")
    if not args.out and not args.json:
        raise ConvStudioError("give --out FOLDER for the feature maps, or --json for the predictions")
    check_resources(net, report)  # before drawing weights or scaling the image to a huge Input
    out = _out_folder(args.out) if args.out else None
    weights = weights_for(args, net, report)
    x = _image(args, net)
    acts = run_network(net, x, weights)
    final = report.outputs[-1]
    if args.json:
        print(json.dumps({"predictions": predictions(acts[final][0], net.labels, _is_probability(net, final))}))
    if out is None:
        return 0
    _write_activations(out / "activations.npz", acts)
    chosen = args.layer or [n.id for n in net if n.decl.family == "Convolution"]
    drawn = [nid for nid in chosen if acts[nid].ndim == 4]
    for nid in drawn:
        _write(out / f"{nid}.png", lambda path, nid=nid: save_png(path, tile(acts[nid][0])))
    print(f"wrote {out / 'activations.npz'} and {counted(len(drawn), 'feature-map grid')} to {out}")
    flat = [nid for nid in chosen if nid not in drawn]
    if flat:
        print(f"no grid for {', '.join(flat)}: flat outputs have no maps (their values are in activations.npz)")
    if not args.json:
        print(_top5(final, acts[final][0], net.labels))
    return 0


def predictions(values: np.ndarray, labels, probabilities: bool) -> list[dict]:
    """Class probabilities best first; a score map is averaged over its positions first."""
    scores = values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim == 3 else values.ravel()
    probs = scores.astype(np.float64) if probabilities else _softmax(scores.astype(np.float64))
    order = np.argsort(-probs, kind="stable")
    return [{"label": _label(labels, int(i)), "probability": round(float(probs[i]), 6)} for i in order]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _label(labels, i: int) -> str:
    return labels[i] if labels and i < len(labels) else f"class {i}"


def _is_probability(net, node_id: str) -> bool:
    return layers.get(net.node(node_id).type).outputs_probabilities


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


def _image(args, net) -> np.ndarray:
    inputs = [n for n in net if n.decl.is_input]
    if len(inputs) != 1:
        raise ConvStudioError(f"run needs a network with one Input layer, {net.name} has {len(inputs)}")
    p = inputs[0].params
    c, h, w = args.input or (p["channels"], p["height"], p["width"])
    if c != p["channels"]:
        raise ConvStudioError(f"--input: {net.name} takes {counted(p['channels'], 'channel')}, not {c}")
    original = images.load_image_source(args.image, sample_size=(h, w))
    prepared = images.prepare_image(original, c, h, w, normalize=args.normalize)
    return images.to_batch(prepared)


def _write_activations(path: Path, acts) -> None:
    buf = io.BytesIO()
    np.savez(buf, **acts)
    _write(path, lambda p: write_atomic(p, buf.getvalue()))


def _top5(node_id: str, values: np.ndarray, labels=()) -> str:
    flat = values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim == 3 else values.ravel()
    order = np.argsort(flat)[::-1][:5]
    lines = [f"top-5 of {node_id} ({'×'.join(map(str, values.shape))}):"]
    lines += [f"  {rank}. {_label(labels, int(i))}: {flat[i]:.6g}" for rank, i in enumerate(order, 1)]
    if values.ndim == 3 and values.shape[1:] != (1, 1):
        lines.append("  (spatial output: scores averaged over positions)")
    return "\n".join(lines)
