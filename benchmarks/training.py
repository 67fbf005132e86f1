"""Training speed: ConvStudio's engine against PyTorch CPU in the same run.

Run from the repository root:  python benchmarks/training.py [--repeats 7] [--epochs 8]

Cases: one forward + backward of TinyVGG at 64×64 with a batch of 32 and of a VGG-style stack
(VGG-16's first three blocks) at 112×112 with a batch of 8, VGG-16's forward alone at 224×224,
and last the whole training loop: epochs of TinyVGG from seed 0 on `shapes` with Adam, data and
optimizer steps included, with the training time until validation accuracy reaches 95 %.

Both sides compute the same loss on the same weights; PyTorch runs the module `convstudio export
--to pytorch` writes. Runs alternate in blocks (ours, torch, ours, …), each block a few steps
back to back after an idle gap, as a training loop runs them. The first step of a block starts
with cold caches (the idle gap or the other side has evicted the working set, and ConvStudio's
kernels move more memory): it is reported on its own line, and the main figure is the median of
the steps after it. Ratios are ours ÷ torch; each line ends with the 1-minute load average (the
machine may be shared). Neither side computes the gradient of the image (a training step has
no use for it). Both sides get the same number of threads (--threads, default 2): torch's
intra-op threads, and ConvStudio's batch workers (BLAS at one thread inside each; a batch too
small to split by images is split by bands of rows; BLAS at that many threads for work too
small to split). Peak memory is the engine's traced allocation during one training step.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# convstudio first, as the app and the CLI load it: its BLAS setting must come before NumPy loads.
from convstudio import init_weights, load_dataset, run  # noqa: E402, I001

import numpy as np  # noqa: E402
from engine import torch, torch_module  # noqa: E402
from convstudio.engine.gradients import gradients  # noqa: E402
from convstudio.engine.training import TrainConfig, Trainer  # noqa: E402
from convstudio.graph import AddNode, Network  # noqa: E402
from convstudio.io.templates import load_template  # noqa: E402
from convstudio.kernels import parallel  # noqa: E402

GAP = 0.2
STEPS = 4  # per block: one after the idle gap, then three as a training loop runs them


def vgg_stack() -> Network:
    """VGG-16's first three blocks at 112×112 and a 10-class head: the shape of a real training step."""
    net = Network("VGG stack")
    AddNode("Input", {"channels": 3, "height": 112, "width": 112}, node_id="image").redo(net)
    last = "image"
    for block, (k, convs) in enumerate([(64, 2), (128, 2), (256, 3)], 1):
        for i in range(1, convs + 1):
            AddNode("Conv2D", {"filters": k, "kernel_size": 3, "padding": 1}, node_id=f"conv{block}_{i}",
                    inputs=[last]).redo(net)
            AddNode("ReLU", {}, node_id=f"relu{block}_{i}", inputs=[f"conv{block}_{i}"]).redo(net)
            last = f"relu{block}_{i}"
        AddNode("MaxPool2D", {"kernel_size": 2}, node_id=f"pool{block}", inputs=[last]).redo(net)
        last = f"pool{block}"
    AddNode("GlobalAvgPool2D", {}, node_id="gap", inputs=[last]).redo(net)
    AddNode("Flatten", {}, node_id="flat", inputs=["gap"]).redo(net)
    AddNode("Dense", {"units": 10}, node_id="fc", inputs=["flat"]).redo(net)
    return net


def ours_step(net, x, labels, weights) -> float:
    start = time.perf_counter()
    # As Trainer.step: no dL/d(image), which torch does not compute either (its input needs no grad).
    gradients(net, x, labels, weights, input_gradient=False)
    return (time.perf_counter() - start) * 1e3


def torch_step(model, xt, yt) -> float:
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    out = model(xt).flatten(1)
    torch.nn.functional.cross_entropy(out, yt).backward()
    return (time.perf_counter() - start) * 1e3


def compare(name, net, batch, repeats, forward_only=False):
    p = next(n for n in net if n.type == "Input").params
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, p["channels"], p["height"], p["width"])).astype(np.float32)
    weights = init_weights(net, 0)
    classes = run(net, x[:1], weights)[[n.id for n in net if not net.consumers(n.id)][0]].size
    labels = rng.integers(0, classes, batch)
    ours_fn = (lambda: _time(lambda: run(net, x, weights))) if forward_only else (
        lambda: ours_step(net, x, labels, weights))
    ours, theirs, ours_cold, theirs_cold = [], [], [], []
    model = None
    if torch is not None:
        with tempfile.TemporaryDirectory() as tmp:
            model = torch_module(net, weights, Path(tmp) / "w.npz").train(not forward_only)
        xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    theirs_fn = None if model is None else (lambda: _torch_call(model, xt, yt, forward_only))
    for fn in (ours_fn, theirs_fn):  # one untimed call each: first-call setup (oneDNN's too) is not a step
        if fn is not None:
            fn()
    for _ in range(repeats):
        _block(ours_fn, ours_cold, ours)
        if theirs_fn is not None:
            _block(theirs_fn, theirs_cold, theirs)
    what = "forward" if forward_only else "forward+backward"
    _report(name, what, ours, theirs)
    _report("", "first of a block", ours_cold, theirs_cold)
    if not forward_only:
        tracemalloc.start()
        gradients(net, x, labels, weights, input_gradient=False)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{'':<34} peak traced memory of one step: {peak / 2**20:.0f} MB", flush=True)


def _block(fn, cold: list, warm: list) -> None:
    """After an idle gap, STEPS calls of fn back to back: the first one's time to ``cold``, the rest to ``warm``."""
    time.sleep(GAP)
    cold.append(fn())
    warm.extend(fn() for _ in range(STEPS - 1))


def _report(name: str, what: str, ours: list, theirs: list) -> None:
    mo = statistics.median(ours)
    line = f"{name:<34} {what:<17} ours {mo:8.1f} ms"
    if theirs:
        mt = statistics.median(theirs)
        line += f"   torch {mt:8.1f} ms   ratio {mo / mt:5.2f}×"
    print(line + f"   (load average {os.getloadavg()[0]:.2f})", flush=True)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def _torch_call(model, xt, yt, forward_only) -> float:
    if forward_only:
        with torch.inference_mode():
            return _time(lambda: model(xt))
    return torch_step(model, xt, yt)


def _blas_threads() -> int:
    threads = [threads for _, threads in parallel._blas_libraries()]
    return max(threads, default=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-vgg16", action="store_true", help="leave out VGG-16's forward at 224×224")
    parser.add_argument("--threads", type=int, default=2, help="threads for each side (default 2, the cores here)")
    parser.add_argument("--epochs", type=int, default=8, help="training epochs of each side to time (0: none)")
    args = parser.parse_args()
    if torch is None:
        print("PyTorch is not installed: printing ConvStudio's figures only")
    else:
        torch.set_num_threads(args.threads)
        print(f"threads: torch {torch.get_num_threads()}", end="; ")
    parallel.WORKERS = args.threads
    for lib, _ in parallel._blas_libraries():
        lib.set_num_threads(args.threads)
    print(f"ConvStudio {parallel.WORKERS} batch workers, BLAS at 1 thread in each "
          f"(work too small to split: BLAS at {_blas_threads()} threads)", flush=True)
    compare("TinyVGG 3×64×64, batch 32", load_template("tinyvgg"), 32, args.repeats)
    compare("VGG-16 blocks 1–3, 3×112×112, batch 8", vgg_stack(), 8, args.repeats)
    if not args.skip_vgg16:
        compare("VGG-16 3×224×224, batch 1", load_template("vgg16"), 1, max(3, args.repeats // 2), forward_only=True)
    if args.epochs:
        compare_epochs(args.epochs)


def compare_epochs(epochs: int) -> None:
    """The whole training loop: TinyVGG from seed-0 weights on `shapes` (batches of 32, Adam, the
    defaults of `convstudio train`), ConvStudio's Trainer against the same loop in PyTorch on the
    same batches, epochs alternating. Prints the median epoch (validation left out of the time)
    and the training time until validation accuracy first reaches 95 % on each side. The Trainer
    also does what the app shows after each step (gradient norms, update ratios, accuracy), which
    the PyTorch loop leaves out."""
    net, data = load_template("tinyvgg"), load_dataset("shapes", shape=(3, 64, 64), seed=0)
    weights = init_weights(net, 0)
    trainer = Trainer(net, weights, data, TrainConfig(epochs=epochs, batch_size=32, optimizer="adam", lr=1e-3))
    model = optimizer = None
    if torch is not None:
        with tempfile.TemporaryDirectory() as tmp:
            model = torch_module(net, weights, Path(tmp) / "w.npz")
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ours, theirs = _Progress(), _Progress()
    for epoch in range(1, epochs + 1):
        time.sleep(GAP)
        start = time.perf_counter()
        for _ in range(trainer.steps_per_epoch):
            trainer.step()
        seconds = time.perf_counter() - start
        ours.add(seconds, trainer.finish_epoch()[0].val_accuracy)
        if model is not None:
            time.sleep(GAP)
            theirs.add(*_torch_epoch(model, optimizer, data, epoch))
    line = f"{'TinyVGG on shapes, from seed 0':<34} {'epoch, Adam':<17} ours {ours.median:8.2f} s "
    if theirs.seconds:
        line += f"   torch {theirs.median:8.2f} s    ratio {ours.median / theirs.median:5.2f}×"
    print(line + f"   (load average {os.getloadavg()[0]:.2f})", flush=True)
    line = f"{'':<34} {'to 95 % valid.':<17} ours {ours.to_95()}"
    print(line + (f"   torch {theirs.to_95()}" if theirs.seconds else ""), flush=True)


class _Progress:
    """Epoch times and the validation accuracy after each epoch."""

    def __init__(self):
        self.seconds: list[float] = []
        self.accuracy: list[float] = []

    def add(self, seconds: float, accuracy: float) -> None:
        self.seconds.append(seconds)
        self.accuracy.append(accuracy)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def to_95(self) -> str:
        reached = next((i for i, a in enumerate(self.accuracy) if a >= 0.95), None)
        if reached is None:
            return f"not within {len(self.accuracy)} epochs (best {max(self.accuracy):.1%})"
        return f"{sum(self.seconds[:reached + 1]):5.1f} s (epoch {reached + 1}, {self.accuracy[reached]:.1%})"


def _torch_epoch(model, optimizer, data, epoch: int) -> tuple[float, float]:
    """One epoch in the Trainer's batch order, then the validation accuracy (not timed)."""
    model.train()
    start = time.perf_counter()
    for x, y in data.batches(32, np.random.default_rng([0, epoch])):
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(torch.from_numpy(x)).flatten(1), torch.from_numpy(y)).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.inference_mode():
        predictions = model(torch.from_numpy(data.x_val)).flatten(1).argmax(1).numpy()
    return seconds, float((predictions == data.y_val).mean())


if __name__ == "__main__":
    main()
