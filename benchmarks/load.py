"""How long loading (parse → schema → semantics → build) takes for a large valid network file.

Target: ≤ 2 s for 20,000 layers on the 2-core reference machine, growing linearly with the
file. The network is a chain of conv → BatchNorm → ReLU blocks with an Add skip around every
pair of blocks, every conv with its own filter count, so no check can be skipped by caching.

    python benchmarks/load.py [--layers 20000 100000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from convstudio.io import loads  # noqa: E402


def network_text(count: int) -> str:
    entries = [{"id": "image", "type": "Input", "params": {"channels": 16, "height": 56, "width": 56},
                "position": [0, 0]}]
    last, entry, block = "image", "image", 0
    while len(entries) < count:
        block += 1
        steps = (("Conv2D", f"conv{block}", {"filters": 8 + block % 57, "kernel_size": [3, 3], "stride": [1, 1],
                                              "padding": [1, 1], "dilation": [1, 1], "groups": 1, "bias": True}),
                 ("BatchNorm2D", f"bn{block}", {}), ("ReLU", f"relu{block}", {}))
        for type_name, nid, params in steps:
            if len(entries) >= count:
                break
            entries.append({"id": nid, "type": type_name, "params": params, "inputs": [last],
                            "position": [0, 100 * len(entries)]})
            last = nid
        if block % 2 == 0 and len(entries) < count:
            entries.append({"id": f"add{block}", "type": "Add", "params": {}, "inputs": [last, entry],
                            "position": [0, 100 * len(entries)]})
            last = entry = f"add{block}"
    return json.dumps({"format": "convstudio.network", "version": 1, "name": "benchmark", "layers": entries})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for count in args.layers:
        text = network_text(count)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            net = loads(text)
            times.append(time.perf_counter() - start)
        assert len(net) == count
        print(f"{count:>7,} layers, {len(text) / 1e6:5.1f} MB: load median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f} s, {statistics.median(times) / count * 1e6:.0f} µs per layer)")


if __name__ == "__main__":
    main()
