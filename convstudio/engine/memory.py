"""Estimating what a forward pass needs, to refuse it clearly instead of being killed."""
from __future__ import annotations

import math
import os

from ..errors import ResourceLimitError
from ..kernels.conv import MAX_SCRATCH_BYTES
from .infer import Report

FLOAT = 4
CONV_SCRATCH = MAX_SCRATCH_BYTES  # the convolution kernels never hold more working space


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


def estimate(report: Report, batch: int, weight_count: int, net=None) -> dict[str, int]:
    """Bytes for kept activations, weights and the largest layer's working space.

    With `net`, the working space includes each kernel's own buffers (a transposed
    convolution's whole padded output, a pool's padded input), which can dwarf the
    layer's output: dilation and padding 4096 on a 1×1 input make a 1×1 output from a
    buffer of 8193×8193 per channel."""
    sizes = [math.prod(r.shape) * batch * FLOAT for r in report.nodes.values() if r.shape]
    activations = sum(sizes)
    own = max((kernel_scratch(net.node(nid).type, net.node(nid).params, r.input_shapes, batch)
               for nid, r in report.nodes.items() if r.shape and nid in net), default=0) if net is not None else 0
    scratch = CONV_SCRATCH + 2 * max(sizes, default=0) + own
    weights = weight_count * FLOAT
    return {"activations": activations, "weights": weights, "scratch": scratch,
            "total": activations + weights + scratch}


def kernel_scratch(type_name: str, p: dict, input_shapes, batch: int) -> int:
    """Bytes a layer's kernel allocates beyond its output (see convstudio.kernels)."""
    if not input_shapes or len(input_shapes[0]) != 3:
        return 0
    c, h, w = input_shapes[0]
    if type_name == "ConvTranspose2D":
        (kh, kw), (sh, sw), (dh, dw) = p["kernel_size"], p["stride"], p["dilation"]
        full_h = max(p["padding"][0] + (h - 1) * sh - 2 * p["padding"][0] + dh * (kh - 1) + p["output_padding"][0] + 1,
                     (h - 1) * sh + dh * (kh - 1) + 1)
        full_w = max(p["padding"][1] + (w - 1) * sw - 2 * p["padding"][1] + dw * (kw - 1) + p["output_padding"][1] + 1,
                     (w - 1) * sw + dw * (kw - 1) + 1)
        columns = p["filters"] * kh * kw  # one position of the column matrix (tiles are within CONV_SCRATCH)
        return (batch * p["filters"] * full_h * full_w + columns) * FLOAT
    if type_name == "Conv2D":
        return c * math.prod(p["kernel_size"]) * FLOAT  # one output position of the column matrix
    if type_name in ("MaxPool2D", "AvgPool2D"):
        pad = p.get("padding")
        kh, kw = p["kernel_size"] if isinstance(p.get("kernel_size"), list) else (h, w)
        ph, pw = pad if isinstance(pad, list) and len(pad) == 2 else (kh, kw)
        return batch * c * (h + 2 * ph) * (w + 2 * pw) * FLOAT
    return 0


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
