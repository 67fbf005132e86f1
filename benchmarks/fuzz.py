"""Fuzz the network, weights and ONNX readers with thousands of damaged files and print the counts.

Every file must be accepted, or refused with one short line (a ConvStudioError), within the
per-file time limit; crashes, hangs and long messages are listed. The files are the
templates, their weights and their ONNX export mutated by tests/fuzz/fuzz_corpus.py (the same seeded corpus
the test suite samples).

    python benchmarks/fuzz.py [--network-files 10000] [--weights-files 1000] [--onnx-files 1000] [--seed 0]

Exit status 1 when any file crashed, hung or gave a long message.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "fuzz")]  # run from a checkout without installing

import fuzz_corpus as fc  # noqa: E402


def campaign(title: str, files, check) -> list[tuple[str, str, str]]:
    counts: collections.Counter = collections.Counter()
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    bad, slowest, start = [], (0.0, ""), time.perf_counter()
    for label, data in files:
        t = time.perf_counter()
        out, detail = check(data)
        took = time.perf_counter() - t
        slowest = max(slowest, (took, label))
        counts[out] += 1
        for kind in label.split("+"):
            by_kind[kind][out] += 1
        if out in fc.FAILURES:
            bad.append((label, out, detail))
    total = sum(counts.values())
    print(f"{title}: {total:,} files in {time.perf_counter() - start:.1f} s — "
          + ", ".join(f"{k} {counts[k]:,}" for k in ("accepted", "refused", *fc.FAILURES)))
    print(f"  slowest file {slowest[0]:.2f} s ({slowest[1]}); time limit {fc.TIME_LIMIT_S:.0f} s per file")
    print("  by mutation: " + "; ".join(f"{k} {sum(c.values())} ({c['refused']} refused)"
                                        for k, c in sorted(by_kind.items())))
    for label, out, detail in bad[:20]:
        print(f"  {out}: [{label}] {detail}")
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network-files", type=int, default=10_000)
    parser.add_argument("--weights-files", type=int, default=1_000)
    parser.add_argument("--onnx-files", type=int, default=1_000, help="0 to skip (needs the onnx package)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    bad = campaign("network files", fc.network_files(args.seed, args.network_files), fc.check_network)
    with tempfile.TemporaryDirectory() as folder:
        net, files = fc.weights_files(args.seed, args.weights_files)
        bad += campaign("weights files", files, lambda data: fc.check_weights(data, Path(folder), net))
        onnx_count = args.onnx_files if importlib.util.find_spec("onnx") else 0
        if onnx_count:
            bad += campaign("ONNX models", fc.onnx_files(args.seed, onnx_count),
                            lambda data: fc.check_onnx(data, Path(folder)))
    print(f"total: {args.network_files + args.weights_files + onnx_count:,} files, {len(bad)} failure(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
