"""Kernel speed on VGG-16 (224x224, batch 1) against PyTorch CPU in the same process.

Run from the repository root:  python benchmarks/kernels.py [--repeats 7] [--gap 0.2]

Each row times our kernel and torch's in alternating rounds (median over all timed
calls). The two libraries' worker threads keep spinning for a while after each call and
would steal the other's cores, so each round starts with an idle gap and an untimed call. Peak scratch is the
extra memory our kernel allocates beyond its output (traced with tracemalloc).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convstudio import kernels  # noqa: E402

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
    weights = {}
    for name, c, k, _, _ in VGG16_CONVS:
        weights[name] = (rng.standard_normal((k, c, 3, 3), np.float32) * np.sqrt(2 / (9 * c), dtype=np.float32),
                         rng.standard_normal(k, np.float32) * np.float32(0.01))
    for name, fin, fout in VGG16_DENSE:
        weights[name] = (rng.standard_normal((fout, fin), np.float32) * np.sqrt(2 / fin, dtype=np.float32),
                         rng.standard_normal(fout, np.float32) * np.float32(0.01))
    return weights


def ours_forward(x, weights):
    """VGG-16 built from our kernels; ReLU runs in place on each freshly made output."""
    for name, _, _, _, pool in VGG16_CONVS:
        x = kernels.relu(kernels.conv2d(x, *weights[name], padding=((1, 1), (1, 1))), out=None)
        if pool:
            x = kernels.max_pool2d(x, 2, 2)
    x = kernels.flatten(x)
    for name, _, _ in VGG16_DENSE:
        x = kernels.dense(x, *weights[name])
        if name != "fc8":
            kernels.relu(x, out=x)
    return x


def torch_forward(x, weights):
    for name, _, _, _, pool in VGG16_CONVS:
        x = F.relu(F.conv2d(x, *weights[name], padding=1))
        if pool:
            x = F.max_pool2d(x, 2, 2)
    x = torch.flatten(x, 1)
    for name, _, _ in VGG16_DENSE:
        x = F.linear(x, *weights[name])
        if name != "fc8":
            x = F.relu(x)
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


def compare(ours, theirs, repeats, gap):
    """Median milliseconds of each, measured in alternating rounds."""
    a, b = [], []
    for _ in range(repeats):
        a += timed(ours, gap)
        if theirs:
            b += timed(theirs, gap)
    return statistics.median(a), (statistics.median(b) if b else float("nan"))


def scratch_bytes(fn):
    """Peak bytes allocated while fn runs, minus what it returns."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - result.nbytes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--gap", type=float, default=0.2, help="idle seconds before each timed call")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    weights = make_weights(rng)
    tw = {k: tuple(torch.from_numpy(a) for a in v) for k, v in weights.items()} if torch else {}
    if torch:
        torch.set_grad_enabled(False)
        print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")

    rows, peak = [], 0
    for name, c, k, size, pool in VGG16_CONVS:
        x = rng.standard_normal((1, c, size, size), np.float32)
        w, b = weights[name]
        ours = lambda x=x, w=w, b=b: kernels.conv2d(x, w, b, padding=((1, 1), (1, 1)))  # noqa: E731
        theirs = None
        if torch:
            xt, (wt, bt) = torch.from_numpy(x), tw[name]
            theirs = lambda xt=xt, wt=wt, bt=bt: F.conv2d(xt, wt, bt, padding=1)  # noqa: E731
        scratch = scratch_bytes(ours)
        peak = max(peak, scratch)
        rows.append(("conv", name, 2 * k * c * 9 * size * size, *compare(ours, theirs, args.repeats, args.gap),
                     scratch))
        if pool:
            y = np.maximum(rng.standard_normal((1, k, size, size), np.float32), 0)
            yt = torch.from_numpy(y) if torch else None
            rows.append(("pool", f"pool after {name}", 0,
                         *compare(lambda y=y: kernels.max_pool2d(y, 2, 2),
                                  (lambda yt=yt: F.max_pool2d(yt, 2, 2)) if torch else None,
                                  args.repeats, args.gap), None))
    for name, fin, fout in VGG16_DENSE:
        v = rng.standard_normal((1, fin), np.float32)
        theirs = (lambda v=torch.from_numpy(v), p=tw.get(name): F.linear(v, *p)) if torch else None
        rows.append(("dense", name, 2 * fin * fout,
                     *compare(lambda v=v, p=weights[name]: kernels.dense(v, *p), theirs, args.repeats, args.gap),
                     None))

    image = rng.standard_normal((1, 3, 224, 224), np.float32)
    forward = compare(lambda: ours_forward(image, weights),
                      (lambda: torch_forward(torch.from_numpy(image), tw)) if torch else None,
                      args.repeats, args.gap)
    agreement = ""
    if torch:
        mine, ref = ours_forward(image, weights), torch_forward(torch.from_numpy(image), tw).numpy()
        agreement = f"  (max relative difference {np.abs(mine - ref).max() / np.abs(ref).max():.1e})"

    print(f"{'layer':<20}{'ms ours':>9}{'ms torch':>10}{'ratio':>7}{'GFLOP/s':>9}{'torch':>8}{'scratch MB':>12}")

    def line(label, flop, a, b, scratch=None):
        gf = f"{flop / a / 1e6:9.1f}{flop / b / 1e6:8.1f}" if flop else f"{'':9}{'':8}"
        mb = f"{scratch / 2**20:12.1f}" if scratch is not None else ""
        print(f"{label:<20}{a:9.2f}{b:10.2f}{a / b:7.2f}{gf}{mb}")

    for _, label, flop, a, b, scratch in rows:
        line(label, flop, a, b, scratch)
    for kind in ("conv", "pool", "dense"):
        part = [r for r in rows if r[0] == kind]
        line(f"total {kind}", sum(r[2] for r in part), sum(r[3] for r in part), sum(r[4] for r in part))
    total_flop = sum(r[2] for r in rows)
    line("VGG-16 forward", total_flop, *forward)
    print(f"peak conv scratch {peak / 2**20:.1f} MB; VGG-16 forward {total_flop / 1e9:.2f} GFLOP{agreement}")


if __name__ == "__main__":
    main()
