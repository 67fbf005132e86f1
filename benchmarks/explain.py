"""How long the "Convolution explained" computations take on VGG-16, the app's largest template.

The views recompute these when the user clicks a pixel or edits a layer, so each should
stay well below a frame; the FC → conv conversion runs off the GUI thread but should be quick.

    python benchmarks/explain.py [--repeat 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from convstudio import infer, init_weights, run  # noqa: E402
from convstudio.engine import explain  # noqa: E402
from convstudio.engine.transforms import fc_to_conv  # noqa: E402
from convstudio.io.templates import load_template  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    vgg = load_template("vgg16")
    report = infer(vgg)
    weights = init_weights(vgg, 0, report)
    tiny = load_template("tinyvgg")
    tiny_w = init_weights(tiny, 0)
    tiny_shape = infer(tiny).nodes["image"].shape
    acts = run(tiny, np.random.default_rng(0).standard_normal((1, *tiny_shape)).astype(np.float32), tiny_w)
    small = explain.conv_config(1, 4, 32, 32, 3, padding=1)  # 4096 × 1024: just under the dense limit
    rows = [
        ("node_window(vgg16, conv1_1)", lambda: explain.node_window(vgg, "conv1_1", report)),
        ("receptive_box(vgg16, conv5_3, 7, 7)", lambda: explain.receptive_box(vgg, "conv5_3", 7, 7, report)),
        ("output_breakdown(tinyvgg, conv2_2)", lambda: explain.output_breakdown(tiny, tiny_w, acts, "conv2_2",
                                                                                 0, 0, 3, 3)),
        ("sharing_counts(every vgg16 conv)", lambda: [explain.sharing_counts(explain.node_config(vgg, n.id, report))
                                                      for n in vgg if n.type == "Conv2D"]),
        ("sharing_matrix(4096×1024)", lambda: explain.sharing_matrix(small)),
        ("fc_to_conv(vgg16, weights)", lambda: fc_to_conv(vgg, weights)),
    ]
    for name, fn in rows:
        print(f"{name:40s} {median_ms(fn, args.repeat):9.2f} ms")


if __name__ == "__main__":
    main()
