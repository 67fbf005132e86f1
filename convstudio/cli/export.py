"""`convstudio export NET.json --to pytorch|onnx -o OUT`: a network as PyTorch code or an ONNX model."""
from __future__ import annotations

from pathlib import Path

from ..errors import ConvStudioError
from ..interop import export_onnx, export_pytorch
from ..io.atomic import write_atomic
from ..io.templates import open_source
from .options import weights_for

FORMATS = {".py": "pytorch", ".onnx": "onnx"}


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a network as PyTorch code or an ONNX model",
                       description="Write a network as a self-contained PyTorch nn.Module (.py) or as an ONNX "
                                   "model with its weights (.onnx; needs the onnx extra). Exit 0 written, "
                                   "2 on any problem (one line saying what).")
    p.add_argument("network", help="network JSON file, or template:NAME")
    p.add_argument("--to", choices=sorted(set(FORMATS.values())), help="format (default: from the -o suffix)")
    p.add_argument("-o", "--output", required=True, help="file to write (.py or .onnx)")
    p.add_argument("--weights", help="ONNX: .npz weights (default: the network's own weights file, else random)")
    p.add_argument("--seed", type=int, default=0, help="ONNX: seed of the random weights (default 0)")


def run(args) -> int:
    fmt = args.to or FORMATS.get(Path(args.output).suffix.lower())
    if fmt is None:
        raise ConvStudioError(f"-o {args.output}: say --to pytorch or --to onnx (or end the name in .py or .onnx)")
    net = open_source(args.network)
    if fmt == "pytorch":
        data = export_pytorch(net, source=args.network).encode("utf-8")
    else:
        data = export_onnx(net, weights_for(args, net)).SerializeToString()
    try:
        write_atomic(args.output, data)
    except OSError as e:
        raise ConvStudioError(f"{args.output}: cannot write ({e.strerror or e})") from None
    print(f"wrote {args.output} ({'PyTorch code' if fmt == 'pytorch' else 'ONNX model'} of {net.name})")
    return 0
