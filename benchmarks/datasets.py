"""Dataset preparation times: the default `shapes` set (3,600 images at 3×64×64), its generation alone, and
`digits` resized to 64×64 when scikit-learn is installed. Prints medians; not a pass/fail test.

    python benchmarks/datasets.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from convstudio.engine.data import shapes  # noqa: E402
from convstudio.engine.datasets import dataset_names, load_dataset  # noqa: E402


def median_ms(work, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    count = shapes.DEFAULT_COUNT
    classes = shapes.balanced_classes(count, seed=0)
    gen = median_ms(lambda: shapes.generate(classes, 3, 64, 64, seed=0))
    print(f"shapes: draw {count:,} images at 3×64×64: {gen:.0f} ms ({gen * 1000 / count:.0f} µs per image)")
    full = median_ms(lambda: load_dataset("shapes"))
    print(f"shapes: load_dataset('shapes') with the split: {full:.0f} ms")
    gray = median_ms(lambda: load_dataset("shapes", shape=(1, 28, 28)))
    print(f"shapes: load_dataset('shapes', shape=(1, 28, 28)): {gray:.0f} ms")
    if "digits" in dataset_names():
        digits = median_ms(lambda: load_dataset("digits"), repeats=3)
        print(f"digits: load_dataset('digits') (1,797 images to 3×64×64): {digits:.0f} ms")
    else:
        print("digits: scikit-learn is not installed (pip install -e '.[datasets]')")


if __name__ == "__main__":
    main()
