"""How long one full `infer()` takes on a 500-node network.

The app re-runs inference on every edit, so it must stay far below a frame (target ≤ 5 ms).
The network is a long chain of conv → BatchNorm → ReLU blocks with an Add skip around
every pair of blocks, the shape of a deep residual network.

    python benchmarks/infer.py [--nodes 500] [--repeat 50]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from convstudio.engine.infer import infer
from convstudio.graph import AddNode, Network


def build(nodes: int) -> Network:
    """Input, then blocks of conv/bn/relu; every second block ends in an Add with the block's entry."""
    net = Network("benchmark")
    AddNode("Input", {"channels": 16, "height": 56, "width": 56}, node_id="image").redo(net)
    last, entry, block = "image", "image", 0
    while len(net) < nodes:
        block += 1
        for type_name, params in (("Conv2D", {"filters": 16, "kernel_size": 3, "padding": 1}),
                                  ("BatchNorm2D", {}), ("ReLU", {})):
            if len(net) >= nodes:
                break
            nid = f"{type_name.lower()}{block}"
            AddNode(type_name, params, node_id=nid, inputs=[last]).redo(net)
            last = nid
        if block % 2 == 0 and len(net) < nodes:
            nid = f"add{block}"
            AddNode("Add", node_id=nid, inputs=[last, entry]).redo(net)
            last = entry = nid
    return net


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    net = build(args.nodes)
    report = infer(net)
    assert not report.errors, report.errors
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        infer(net)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times) * 1e3
    print(f"infer() on {len(net)} nodes: median {median:.2f} ms, min {min(times) * 1e3:.2f} ms "
          f"over {args.repeat} runs (target ≤ 5 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
