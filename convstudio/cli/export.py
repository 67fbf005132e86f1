"""`convstudio export NET.json --to pytorch|onnx -o OUT`: a network as PyTorch code or an ONNX model.

With `--train` (PyTorch only) the export is a training script plus the dataset beside it as an .npz
(OUT-data.npz), for training on a GPU or several machines with torchrun; the script writes weights
ConvStudio opens.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ConvStudioError
from ..interop import export_onnx, export_pytorch, export_training_script, training_data_npz
from ..io.atomic import write_atomic
from ..io.templates import open_source
from .options import training_data, weights_for

FORMATS = {".py": "pytorch", ".onnx": "onnx"}


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a network as PyTorch code, a PyTorch training script (DDP) or ONNX",
                       description="Write a network as a self-contained PyTorch nn.Module (.py) or as an ONNX "
                                   "model with its weights (.onnx; needs the onnx extra). With --train: a PyTorch "
                                   "training script for the network, its data and convstudio train's defaults, "
                                   "plus OUT-data.npz holding the dataset; it runs in one process or under "
                                   "'torchrun --nproc_per_node N' (DistributedDataParallel: gloo on CPU, nccl on "
                                   "GPU) and writes weights.npz in ConvStudio's layout. Exit 0 written, 2 on any "
                                   "problem (one line saying what).")
    p.add_argument("network", help="network JSON file, or template:NAME")
    p.add_argument("--to", choices=sorted(set(FORMATS.values())), help="format (default: from the -o suffix)")
    p.add_argument("-o", "--output", required=True, help="file to write (.py or .onnx)")
    p.add_argument("--weights", help="ONNX: .npz weights (default: the network's own weights file, else random)")
    p.add_argument("--seed", type=int, default=0,
                   help="ONNX: seed of the random weights; --train: seed of the data and the script's --seed "
                        "(default 0)")
    p.add_argument("--train", action="store_true",
                   help="PyTorch: a training script (single process or torchrun/DDP) plus OUT-data.npz")
    p.add_argument("--data", metavar="shapes|digits|FOLDER",
                   help="--train: the dataset written to OUT-data.npz at the network's input size (default shapes)")
    p.add_argument("--count", type=int, default=None, help="--train: images to take or generate (as convstudio train)")


def run(args) -> int:
    fmt = args.to or FORMATS.get(Path(args.output).suffix.lower())
    if fmt is None:
        raise ConvStudioError(f"-o {args.output}: say --to pytorch or --to onnx (or end the name in .py or .onnx)")
    _check_options(args, fmt)
    net = open_source(args.network)
    if args.train:
        return _write_training(args, net)
    if fmt == "pytorch":
        data = export_pytorch(net, source=args.network).encode("utf-8")
    else:
        data = export_onnx(net, weights_for(args, net)).SerializeToString()
    _write(args.output, data)
    print(f"wrote {args.output} ({'PyTorch code' if fmt == 'pytorch' else 'ONNX model'} of {net.name})")
    return 0


def _check_options(args, fmt: str) -> None:
    """Options that only make sense together: one line naming the one that does not fit."""
    if not args.train:
        extra = next((o for o, v in (("--data", args.data), ("--count", args.count)) if v is not None), None)
        if extra:
            raise ConvStudioError(f"{extra} goes with --train (a training script)")
        return
    if fmt != "pytorch":
        raise ConvStudioError("--train writes a PyTorch script: use --to pytorch and an -o name ending in .py")
    if not args.output.endswith(".py"):
        raise ConvStudioError(f"-o {args.output}: a training script's name should end in .py")
    if args.weights:
        raise ConvStudioError("--weights does not go with --train; give the script --weights W.npz to start "
                              "from ConvStudio weights")
    if not Path(args.output).parent.is_dir():
        raise ConvStudioError(f"-o: the folder {Path(args.output).parent} does not exist")


def data_path_for(script: str | Path) -> Path:
    """train.py → train-data.npz beside it: the dataset the training script reads."""
    p = Path(script)
    return p.with_name(p.stem + "-data.npz")


def _write_training(args, net) -> int:
    data = training_data(net, args.data or "shapes", args.seed, args.count)
    target = data_path_for(args.output)
    script = export_training_script(net, data, target.name, source=args.network, seed=args.seed,
                                    script=Path(args.output).name)
    _write(target, training_data_npz(data))
    _write(args.output, script.encode("utf-8"))
    print(f"wrote {args.output} (PyTorch training script for {net.name}) and {target} ({data.name}: "
          f"{len(data.y_train)} training and {len(data.y_val)} validation images)")
    return 0


def _write(path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as e:
        raise ConvStudioError(f"{path}: cannot write ({e.strerror or e})") from None
