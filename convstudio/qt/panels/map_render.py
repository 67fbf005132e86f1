"""Feature maps → coloured thumbnails and value ranges (NumPy only, so it is cheap to test and time)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import colormaps
from ...wording import a



@dataclass(frozen=True)
class Ranges:
    """Per-channel minimum and maximum of a layer's (C, H, W) output."""

    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def of(cls, maps: np.ndarray) -> Ranges:
        flat = maps.reshape(maps.shape[0], -1)
        return cls(flat.min(axis=1), flat.max(axis=1))

    def levels(self, channel: int, shared: bool) -> tuple[float, float]:
        """The value range that spans the colormap for `channel`."""
        if shared:
            return float(self.lo.min()), float(self.hi.max())
        return float(self.lo[channel]), float(self.hi[channel])

    def constant(self, channel: int) -> bool:
        return bool(self.lo[channel] == self.hi[channel])


def is_flat(values: np.ndarray) -> bool:
    """Outputs better read as a list of numbers than as images: (F,) and C×1×1."""
    return values.ndim == 1 or (values.ndim == 3 and values.shape[1:] == (1, 1))


def flat_values(values: np.ndarray) -> np.ndarray:
    return values.reshape(-1)


def reduce_factor(height: int, width: int, thumb: int | None) -> int:
    """Whole factor by which to average-shrink a map before colouring it at `thumb` pixels."""
    if thumb is None:
        return 1
    return max(1, max(height, width) // thumb)


def shrink(maps: np.ndarray, factor: int) -> np.ndarray:
    """Average factor×factor blocks (the remainder rows and columns are dropped).

    Summing factor² strided views is several times faster than a mean over reshaped block axes.
    """
    if factor <= 1:
        return maps
    c, h, w = maps.shape
    h2, w2 = h // factor, w // factor
    out = np.zeros((c, h2, w2), np.float32)
    for i in range(factor):
        for j in range(factor):
            out += maps[:, i:h2 * factor:factor, j:w2 * factor:factor]
    out *= np.float32(1.0 / (factor * factor))
    return out


def normalized(maps: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(C, H, W) scaled to [0, 1] by per-channel (C,) ranges; constant channels become 0, the colormap's low
    end, so a dead (all-zero) channel reads as empty rather than as a mid-range value."""
    lo = lo.reshape(-1, 1, 1)
    span = hi.reshape(-1, 1, 1) - lo
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (maps - lo) / safe, 0.0).astype(np.float32)


def thumbnails(maps: np.ndarray, channels: Sequence[int], ranges: Ranges, shared: bool,
               cmap: str, thumb: int | None) -> list[np.ndarray]:
    """Coloured (h, w, 3) uint8 images of `channels`, shrunk for a `thumb`-pixel tile (None: full size)."""
    chosen = np.asarray(list(channels), dtype=np.intp)
    if chosen.size == 0:
        return []
    _, h, w = maps.shape
    contiguous = isinstance(channels, range) and channels.step == 1
    picked = maps[channels.start:channels.stop] if contiguous else maps[chosen]  # a page: a view, no copy
    small = shrink(picked, reduce_factor(h, w, thumb))
    if shared:
        lo = np.full(chosen.size, ranges.lo.min(), np.float32)
        hi = np.full(chosen.size, ranges.hi.max(), np.float32)
    else:
        lo, hi = ranges.lo[chosen], ranges.hi[chosen]
    rgb = colormaps.apply(normalized(small, lo, hi), cmap)
    return list(rgb)


def channel_title(channel: int, ranges: Ranges) -> str:
    """"ch 3", or "ch 3 · all 0" for a constant map (a dead ReLU is worth noticing)."""
    if ranges.constant(channel):
        return f"ch {channel} · all {ranges.lo[channel]:.3g}"
    return f"ch {channel}"


def channel_tooltip(node_id: str, channel: int, ranges: Ranges, shape: tuple[int, int]) -> str:
    h, w = shape
    return (f"{node_id}, output channel {channel}: {a(f'{h}×{w}')} map, values {ranges.lo[channel]:.4g} … "
            f"{ranges.hi[channel]:.4g}.\nClick to see it large with the value under the cursor.")
