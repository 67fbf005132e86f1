"""Keep freed array memory in the process for the next step instead of returning it to the OS.

glibc hands blocks above its mmap threshold (at most 32 MiB, adjusted as it goes) and a free heap
top above its trim threshold back to the kernel; the next layer's output then page-faults, and the
kernel zeroes it page by page. A training step allocates and frees the same tens of megabytes every
time: on TinyVGG at batch 32 that churn was a third of a step's CPU time (measured). Fixed
thresholds keep that memory for reuse; larger arrays still map and unmap directly, and a free heap
top beyond the trim threshold is still returned. Elsewhere (other C libraries) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import platform

# Arrays up to this size come from the reusable heap; beyond it from the OS directly.
MMAP_THRESHOLD = 32 << 20
# Free memory at the heap's top kept for reuse before any is given back.
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h
_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


def keep_freed_memory() -> bool:
    """Fix glibc's thresholds (unless the environment already sets its own); whether they were set."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if any(name in os.environ for name in _SETTINGS):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
