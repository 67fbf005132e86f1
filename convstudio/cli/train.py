"""`convstudio train NET.json --data shapes -o OUT.json`: train a network from the command line.

A progress bar per epoch on stderr, one line per epoch with training and validation loss and
accuracy on stdout. Ctrl+C stops after the current batch and still writes the last complete
weights. Every option and the data are checked before the first batch: a mistake is one line,
exit 2, and nothing is written.
"""
from __future__ import annotations

import io
import json
import signal
from pathlib import Path

import numpy as np

from ..engine.datasets import dataset_names
from ..engine.infer import infer
from ..engine.training import TrainConfig, Trainer, default_lr
from ..engine.weights import load_weights, save_weights, weights_path_for
from ..errors import ConvStudioError
from ..graph import SetMeta
from ..io import save_network
from ..io.atomic import write_atomic
from ..io.paths import weights_beside
from ..io.templates import open_source
from .options import training_data, weights_file

OPTIMIZERS = ("sgd", "adam", "adamw")


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a network on a dataset and write it with its weights",
                       description="Train on shapes (built in), digits (scikit-learn's 8×8 handwritten digits, "
                                   "needs convstudio[datasets]) or a folder of class subfolders of PNG/JPEG images. "
                                   "Writes OUT.json with the class names and OUT.weights.npz; Ctrl+C stops after "
                                   "the batch and still writes the last complete weights. Exit 2 on errors.")
    p.add_argument("network", help="network JSON file, or template:NAME")
    p.add_argument("--data", required=True, metavar="shapes|digits|FOLDER",
                   help="the dataset: " + ", ".join(dataset_names() or ["shapes"]) + ", or a folder path")
    p.add_argument("-o", "--output", required=True, metavar="OUT.json", help="where to write the trained network")
    p.add_argument("--epochs", type=int, default=8, help="passes over the training images (default 8)")
    p.add_argument("--batch-size", type=int, default=32, help="images per step (default 32)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="default adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 0.001 for Adam, 0.01 for SGD)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (AdamW: decoupled decay)")
    p.add_argument("--schedule", choices=["constant", "step", "cosine"], default="constant",
                   help="learning-rate schedule over the run (default constant)")
    p.add_argument("--seed", type=int, default=0, help="seed of the data, the initial weights and the batches")
    p.add_argument("--count", type=int, default=None, help="images to generate for a built-in dataset")
    p.add_argument("--weights", metavar="W.npz", help="start from these weights (default: the network's own "
                   "weights file, a template's bundled one too, else random from --seed)")
    p.add_argument("--fresh", action="store_true",
                   help="start from random weights drawn from --seed, not from the network's own weights file")
    p.add_argument("--resume", action="store_true",
                   help="continue from OUT.json's weights and optimizer state written by an earlier run")
    p.add_argument("--history", metavar="FILE.json", help="write the per-epoch figures as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    net = open_source(args.network)
    out = Path(args.output)
    _check_paths(args, out)
    data = training_data(net, args.data, args.seed, args.count)
    report = infer(net)
    weights, state = _start(args, net, out, report)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                         lr=args.lr if args.lr is not None else default_lr(args.optimizer),
                         momentum=args.momentum, weight_decay=args.weight_decay,
                         schedule=None if args.schedule == "constant" else args.schedule, seed=args.seed)
    trainer = Trainer(net, weights, data, config, state)
    _describe(net, data, config)
    interrupted = _loop(trainer, args.quiet)
    _save(net, trainer, data, out, args.history)
    final = trainer.history[-1] if trainer.history else None
    tail = f"; validation accuracy {final.val_accuracy:.1%}" if final else ""
    print(("stopped early: " if interrupted else "") + f"wrote {out} and {weights_path_for(out)}{tail}")
    return 130 if interrupted else 0


def _check_paths(args, out: Path) -> None:
    if not out.name.endswith(".json"):
        raise ConvStudioError(f"-o: {out} should be a .json file")
    if not out.parent.is_dir():
        raise ConvStudioError(f"-o: the folder {out.parent} does not exist")
    if args.history and not Path(args.history).parent.is_dir():
        raise ConvStudioError(f"--history: the folder {Path(args.history).parent} does not exist")
    if args.resume and not out.exists():
        raise ConvStudioError(f"--resume: {out} does not exist yet; train without --resume first")
    if args.epochs < 1 or args.batch_size < 1:
        raise ConvStudioError("--epochs and --batch-size must be at least 1")


def optimizer_file_for(output: Path) -> Path:
    """OUT.json → OUT.optimizer.npz beside OUT.weights.npz: the optimizer's state, for --resume."""
    weights = weights_path_for(output)
    return weights.with_name(weights.name[: -len(".weights.npz")] + ".optimizer.npz")


def _start(args, net, out: Path, report):
    """Initial weights and optimizer state: --resume, --weights, the network's own file, or random."""
    if args.resume:
        resumed = open_source(str(out))
        weights = load_weights(weights_beside(out, resumed.weights), net, report) if resumed.weights else None
        state_file = optimizer_file_for(out)
        state = dict(np.load(state_file, allow_pickle=False)) if state_file.exists() else None
        if state is not None:
            state.pop("epoch", None)
        return weights, state
    path = weights_file(args, net, fresh=args.fresh)
    return (load_weights(path, net, report) if path else None), None


def _describe(net, data, config) -> None:
    counts = ", ".join(f"{name} {tr}+{va}" for name, (tr, va) in data.counts().items())
    print(f"{net.name} on {data.name}: {len(data.y_train)} training and {len(data.y_val)} validation images "
          f"({counts}); {data.pipeline}")
    print(f"{config.optimizer}, learning rate {config.lr:g}, batch {config.batch_size}, {config.epochs} epochs, "
          f"seed {config.seed}")


def _loop(trainer: Trainer, quiet: bool) -> bool:
    """Run every step; True when Ctrl+C stopped it (after a complete batch)."""
    stop = {"asked": False}

    def ask_stop(signum, frame):
        stop["asked"] = True

    previous = signal.signal(signal.SIGINT, ask_stop)
    bar = None
    try:
        while not trainer.done and not stop["asked"]:
            if bar is None:
                bar = _bar(trainer, quiet)
            event = trainer.step()
            if bar is not None:
                bar.set_postfix_str(f"loss {event.smoothed_loss:.3f} acc {event.accuracy:.0%} "
                                    f"{event.images_per_second:.0f} img/s", refresh=False)
                bar.update(1)
            if trainer.epoch_finished:
                if bar is not None:
                    bar.close()
                    bar = None
                record, _ = trainer.finish_epoch()
                print(f"epoch {record.epoch}/{trainer.config.epochs}  train loss {record.train_loss:.4f} "
                      f"acc {record.train_accuracy:.1%}  validation loss {record.val_loss:.4f} "
                      f"acc {record.val_accuracy:.1%}  {record.seconds:.1f} s", flush=True)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    return stop["asked"]


def _bar(trainer: Trainer, quiet: bool):
    if quiet:
        return None
    from tqdm import tqdm
    return tqdm(total=trainer.steps_per_epoch, desc=f"epoch {trainer.epoch}/{trainer.config.epochs}",
                unit="batch", leave=False, dynamic_ncols=True)


def _save(net, trainer: Trainer, data, out: Path, history: str | None) -> None:
    """OUT.json (with the class names), its weights and the optimizer state, each written atomically."""
    target = weights_path_for(out)
    save_weights(target, trainer.weights)
    SetMeta(weights=target.name, labels=list(data.labels)).redo(net)
    save_network(net, out)
    state = trainer.optimizer.state()
    state["epoch"] = np.array(len(trainer.history))
    buf = io.BytesIO()
    np.savez(buf, **state)
    write_atomic(optimizer_file_for(out), buf.getvalue())
    if history:
        records = [r.as_dict() for r in trainer.history]
        write_atomic(history, (json.dumps(records, indent=2) + "\n").encode("utf-8"))
