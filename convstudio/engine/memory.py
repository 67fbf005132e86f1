"""Estimating what a forward pass needs, to refuse it clearly instead of being killed."""
from __future__ import annotations

import math
import os

from ..errors import ResourceLimitError
from .infer import Report

FLOAT = 4
CONV_SCRATCH = 64 * 1024 * 1024


def available_bytes() -> int:
    """Memory the system can still give us (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def default_limit() -> int:
    return available_bytes() // 2


def estimate(report: Report, batch: int, weight_count: int) -> dict[str, int]:
    """Bytes for kept activations, weights and the largest layer's working space."""
    sizes = [math.prod(r.shape) * batch * FLOAT for r in report.nodes.values() if r.shape]
    activations = sum(sizes)
    scratch = CONV_SCRATCH + 2 * max(sizes, default=0)
    weights = weight_count * FLOAT
    return {"activations": activations, "weights": weights, "scratch": scratch,
            "total": activations + weights + scratch}


def check_weight_draw(counts: list[int], limit: int | None = None) -> None:
    """Refuse to draw weights that would not fit, before drawing any.

    A Dense layer on a large flat input can need tens of GB by itself; NumPy would fail
    with an allocation error (or the system would kill the process) halfway through.
    """
    need = sum(counts) * FLOAT
    limit = default_limit() if limit is None else limit
    if need > limit:
        raise ResourceLimitError(
            f"the weights need about {human(need)} ({sum(counts):,} parameters) but the limit is {human(limit)}; "
            "make the largest layer smaller (a Dense layer after a large Flatten is the usual cause)")


def human(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)
