"""Whole-network forward speed: ConvStudio's engine against PyTorch CPU in the same process.

Run from the repository root:  python benchmarks/engine.py [--network vgg16] [--repeats 5]

Both sides run the same template with the same weights: PyTorch runs the module that
`convstudio export --to pytorch` writes. Runs alternate (ours, torch, ours, …) with an idle gap
so one library's spinning worker threads do not slow the other; figures are medians. Per-layer
times come from the engine's progress callback and torch forward hooks. Peak memory is the
engine's traced allocation during one run.
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

from convstudio import init_weights, run  # noqa: E402
from convstudio.engine.infer import infer  # noqa: E402
from convstudio.io.templates import load_template  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def engine_once(net, x, weights) -> tuple[float, dict[str, float]]:
    marks = [("", time.perf_counter())]
    start = marks[0][1]
    run(net, x, weights, progress=lambda d, t, nid: marks.append((nid, time.perf_counter())))
    per = {nid: (t - marks[i][1]) * 1e3 for i, (nid, t) in enumerate(marks[1:])}
    return (marks[-1][1] - start) * 1e3, per


def torch_module(net, weights, tmp: Path):
    from convstudio.engine.weights import save_weights
    from convstudio.interop import export_pytorch

    source = export_pytorch(net)
    namespace: dict = {"__name__": "convstudio_bench_model"}
    exec(compile(source, "exported.py", "exec"), namespace)
    cls = next(v for v in namespace.values() if isinstance(v, type) and issubclass(v, torch.nn.Module)
               and v is not torch.nn.Module)
    model = cls()
    save_weights(tmp, weights)
    model.load_npz(str(tmp))
    return model.eval()


def torch_once(model, xt, per: dict[str, list[float]]) -> float:
    with torch.inference_mode():
        start = time.perf_counter()
        model(xt)
        return (time.perf_counter() - start) * 1e3


def torch_layer_times(model, xt) -> dict[str, float]:
    times, last = {}, [0.0]

    def hook(name):
        def fn(module, inputs, output):
            now = time.perf_counter()
            times[name] = (now - last[0]) * 1e3
            last[0] = now
        return fn

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_children()]
    with torch.inference_mode():
        last[0] = time.perf_counter()
        model(xt)
    for h in handles:
        h.remove()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", default="vgg16")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--gap", type=float, default=0.3, help="idle seconds between runs")
    args = ap.parse_args()

    net = load_template(args.network)
    report = infer(net)
    weights = init_weights(net, seed=0, report=report)
    c, h, w = report.nodes[report.inputs[0]].shape
    x = np.random.default_rng(0).random((1, c, h, w), dtype=np.float32)
    model = torch_module(net, weights, Path("/tmp/convstudio-bench-weights.npz")) if torch else None
    xt = torch.from_numpy(x) if torch else None

    engine_once(net, x, weights)  # warm-up
    if model is not None:
        torch_once(model, xt, {})
    ours, theirs, layer_runs = [], [], []
    for _ in range(args.repeats):
        time.sleep(args.gap)
        total, per = engine_once(net, x, weights)
        ours.append(total)
        layer_runs.append(per)
        if model is not None:
            time.sleep(args.gap)
            theirs.append(torch_once(model, xt, {}))

    tracemalloc.start()
    run(net, x, weights)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    torch_layers = torch_layer_times(model, xt) if model is not None else {}
    print(f"{net.name} forward, batch 1, {c}×{h}×{w}, float32, {args.repeats} alternating runs (medians)\n")
    print(f"{'layer':<12}{'MACs':>16}{'ours ms':>10}{'GFLOP/s':>10}{'torch ms':>10}{'ratio':>8}")
    for nid in report.order:
        ms = statistics.median(r[nid] for r in layer_runs)
        macs = report.nodes[nid].macs or 0
        if ms < 0.05 and not macs:
            continue
        gflops = 2 * macs / ms / 1e6 if macs and ms else 0
        tms = torch_layers.get(nid.replace(".", "_"), torch_layers.get(nid))
        ratio = f"{ms / tms:8.2f}" if tms else " " * 8
        print(f"{nid:<12}{macs:>16,}{ms:>10.2f}{gflops:>10.1f}{(f'{tms:10.2f}' if tms else ' ' * 10)}{ratio}")
    o = statistics.median(ours)
    print(f"\nwhole network: ours {o:.1f} ms ({2 * report.total_macs / o / 1e6:.1f} GFLOP/s)", end="")
    if theirs:
        t = statistics.median(theirs)
        print(f", PyTorch {t:.1f} ms ({2 * report.total_macs / t / 1e6:.1f} GFLOP/s), ratio {o / t:.2f}×")
    else:
        print(" (PyTorch not installed: no comparison)")
    print(f"engine peak traced memory during one run: {peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
