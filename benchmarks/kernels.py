"""Kernel speed on VGG-16 (224x224, batch 1) against PyTorch CPU in the same process.

Run from the repository root:  python benchmarks/kernels.py [--repeats 7] [--gap 0.2] [--statistic min]

Each row times our kernel and torch's in alternating rounds (median over all timed
calls). The two libraries' worker threads keep spinning for a while after each call and
would steal the other's cores, so each round starts with an idle gap and an untimed call.
Peak scratch is the memory our kernel allocates beyond its output (traced by tracemalloc).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convstudio import kernels

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the table still shows our figures
    torch = None

# (name, in channels, out channels, input size); a 2x2 max-pool follows the layers marked True.
VGG16_CONVS = [
    ("conv1_1", 3, 64, 224, False), ("conv1_2", 64, 64, 224, True),
    ("conv2_1", 64, 128, 112, False), ("conv2_2", 128, 128, 112, True),
    ("conv3_1", 128, 256, 56, False), ("conv3_2", 256, 256, 56, False), ("conv3_3", 256, 256, 56, True),
    ("conv4_1", 256, 512, 28, False), ("conv4_2", 512, 512, 28, False), ("conv4_3", 512, 512, 28, True),
    ("conv5_1", 512, 512, 14, False), ("conv5_2", 512, 512, 14, False), ("conv5_3", 512, 512, 14, True),
]
VGG16_DENSE = [("fc6", 25088, 4096), ("fc7", 4096, 4096), ("fc8", 4096, 1000)]


def make_weights(rng):
    """He-scaled random weights so activations stay finite through all 16 layers."""
    def layer(shape, fan_in):
        scale = np.float32(np.sqrt(2 / fan_in))
        return rng.standard_normal(shape, np.float32) * scale, rng.standard_normal(shape[0], np.float32) / 100

    weights = {name: layer((k, c, 3, 3), 9 * c) for name, c, k, _, _ in VGG16_CONVS}
    weights.update({name: layer((fout, fin), fin) for name, fin, fout in VGG16_DENSE})
    return weights


def ours_forward(x, weights):
    """VGG-16 built from our kernels; ReLU runs in place on each freshly made output."""
    for name, _, _, _, pool in VGG16_CONVS:
        x = kernels.conv2d(x, *weights[name], padding=((1, 1), (1, 1)))
        kernels.relu(x, out=x)
        if pool:
            x = kernels.max_pool2d(x, 2, 2)
    x = kernels.flatten(x)
    for name, _, _ in VGG16_DENSE:
        x = kernels.dense(x, *weights[name])
        if name != "fc8":
            kernels.relu(x, out=x)
    return x


def torch_forward(x, weights):
    """The same network in torch.nn.functional (in-place ReLU, as torchvision's VGG)."""
    for name, _, _, _, pool in VGG16_CONVS:
        x = F.relu(F.conv2d(x, *weights[name], padding=1), inplace=True)
        if pool:
            x = F.max_pool2d(x, 2, 2)
    x = torch.flatten(x, 1)
    for name, _, _ in VGG16_DENSE:
        x = F.linear(x, *weights[name])
        if name != "fc8":
            x = F.relu(x, inplace=True)
    return x


def timed(fn, gap, calls=2):
    """Milliseconds of each of ``calls`` runs after an idle gap and one untimed run.

    The gap lets the other library's spinning threads go to sleep; the untimed run absorbs
    waking our own threads, so neither library pays for the other.
    """
    time.sleep(gap)
    fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def compare(ours, theirs, repeats, gap, statistic=statistics.median):
    """Milliseconds of each (median by default), measured in alternating rounds."""
    a, b = [], []
    for _ in range(repeats):
        a += timed(ours, gap)
        if theirs:
            b += timed(theirs, gap)
    return statistic(a), (statistic(b) if b else float("nan"))


def scratch_bytes(fn):
    """Peak bytes allocated while fn runs, minus what it returns."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - result.nbytes


def cases(rng, weights, tw):
    """(kind, label, FLOP, our call, torch's call or None) for every layer of VGG-16."""
    for name, c, k, size, pool in VGG16_CONVS:
        x = rng.standard_normal((1, c, size, size), np.float32)
        theirs = partial(F.conv2d, torch.from_numpy(x), *tw[name], padding=1) if torch else None
        yield ("conv", name, 2 * k * c * 9 * size * size,
               partial(kernels.conv2d, x, *weights[name], padding=((1, 1), (1, 1))), theirs)
        if pool:
            y = np.maximum(rng.standard_normal((1, k, size, size), np.float32), 0)
            theirs = partial(F.max_pool2d, torch.from_numpy(y), 2, 2) if torch else None
            yield "pool", f"pool after {name}", 0, partial(kernels.max_pool2d, y, 2, 2), theirs
    for name, fin, fout in VGG16_DENSE:
        v = rng.standard_normal((1, fin), np.float32)
        theirs = partial(F.linear, torch.from_numpy(v), *tw[name]) if torch else None
        yield "dense", name, 2 * fin * fout, partial(kernels.dense, v, *weights[name]), theirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--gap", type=float, default=0.2, help="idle seconds before each round")
    parser.add_argument("--statistic", choices=("median", "min"), default="median",
                        help="min is steadier when other processes share the cores")
    args = parser.parse_args(argv)
    statistic = statistics.median if args.statistic == "median" else min
    measure = partial(compare, repeats=args.repeats, gap=args.gap, statistic=statistic)

    rng = np.random.default_rng(0)
    weights = make_weights(rng)
    tw = {k: tuple(torch.from_numpy(a) for a in v) for k, v in weights.items()} if torch else {}
    if torch:
        torch.set_grad_enabled(False)
        print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")

    rows = []
    for kind, label, flop, ours, theirs in cases(rng, weights, tw):
        scratch = scratch_bytes(ours) if kind == "conv" else None
        rows.append((kind, label, flop, *measure(ours, theirs), scratch))

    image = rng.standard_normal((1, 3, 224, 224), np.float32)
    theirs = partial(torch_forward, torch.from_numpy(image), tw) if torch else None
    forward = measure(partial(ours_forward, image, weights), theirs)
    agreement = ""
    if torch:
        mine, ref = ours_forward(image, weights), theirs().numpy()
        agreement = f"; max relative difference from torch {np.abs(mine - ref).max() / np.abs(ref).max():.1e}"

    print(f"{'layer':<20}{'ms ours':>9}{'ms torch':>9}{'ratio':>7}{'GFLOP/s ours':>14}{'GFLOP/s torch':>14}"
          f"{'scratch MB':>12}")

    def line(label, flop, a, b, scratch=None):
        speeds = f"{flop / a / 1e6:14.1f}{flop / b / 1e6:14.1f}" if flop else " " * 28
        memory = f"{scratch / 2**20:12.1f}" if scratch is not None else ""
        print(f"{label:<20}{a:9.2f}{b:9.2f}{a / b:7.2f}{speeds}{memory}")

    for _, label, flop, a, b, scratch in rows:
        line(label, flop, a, b, scratch)
    for kind in ("conv", "pool", "dense"):
        part = [r for r in rows if r[0] == kind]
        line(f"total {kind}", sum(r[2] for r in part), sum(r[3] for r in part), sum(r[4] for r in part))
    total_flop = sum(r[2] for r in rows)
    line("VGG-16 forward", total_flop, *forward)
    peak = max(r[5] for r in rows if r[5] is not None)
    print(f"peak conv scratch {peak / 2**20:.1f} MB; VGG-16 forward {total_flop / 1e9:.2f} GFLOP{agreement}")


if __name__ == "__main__":
    main()
