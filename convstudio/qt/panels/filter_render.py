"""Conv2D filters → images: each filter as its input-channel slices side by side (NumPy only).

A Conv2D weight is (K, C/groups, kH, kW): K filters, each as deep as the input channels it
sees. Drawing every slice of a filter next to the others is what makes "each filter is as deep
as its input" visible. Weights are signed, so a diverging colormap centred on zero is used and
one scale spans the whole layer, so filters can be compared with each other.
"""
from __future__ import annotations

import math

import numpy as np

from . import colormaps

SLICE_PX = ((4, 33), (16, 24), (64, 16))  # (up to this depth, slice about this many pixels); deeper: 12
GAP = 1             # between slices
PATCH_GAP = 4       # between the colour patch and the slices
GAP_GRAY = 200


def slice_scale(kh: int, kw: int, depth: int = 1) -> int:
    """Whole magnification: shallow filters drawn large (3×3×3 → 11), deep ones compact (3×3×512 → 4)."""
    target = next((px for up_to, px in SLICE_PX if depth <= up_to), 12)
    return max(1, round(target / max(kh, kw)))


def wrap_columns(depth: int) -> int:
    """Slices per row in one filter's drawing: deep filters wrap into a compact block."""
    if depth <= 16:
        return depth
    return 16 if depth <= 128 else 32


def layer_scale(weight: np.ndarray) -> float:
    """The largest |weight| of the layer (1 for an all-zero layer): one scale for every filter."""
    top = float(np.max(np.abs(weight))) if weight.size else 0.0
    return top if top > 0 else 1.0


def group_inputs(k: int, filters: int, per_group: int, groups: int) -> tuple[int, int]:
    """First and last input channel filter `k` sees (groups split inputs and filters evenly)."""
    group = k // (filters // groups)
    return group * per_group, (group + 1) * per_group - 1


def filter_image(kernel: np.ndarray, scale: float, cmap: str = colormaps.DIVERGING,
                 rgb_patch: bool = False) -> np.ndarray:
    """One filter (C, kH, kW) as an (h, w, 3) uint8 image: slices in reading order, wrapped."""
    depth, kh, kw = kernel.shape
    s = slice_scale(kh, kw, depth)
    cols = wrap_columns(depth)
    rows = math.ceil(depth / cols)
    sh, sw = kh * s, kw * s
    height = rows * (sh + GAP) - GAP
    width = cols * (sw + GAP) - GAP
    coloured = colormaps.apply(0.5 + kernel / (2.0 * scale), cmap)          # (C, kH, kW, 3)
    big = coloured.repeat(s, axis=1).repeat(s, axis=2)                        # (C, sh, sw, 3)
    canvas = np.full((height, width, 3), GAP_GRAY, np.uint8)
    for i in range(depth):
        r, c = divmod(i, cols)
        canvas[r * (sh + GAP): r * (sh + GAP) + sh, c * (sw + GAP): c * (sw + GAP) + sw] = big[i]
    if rgb_patch and depth == 3:
        canvas = _with_patch(canvas, kernel, scale, s)
    return canvas


def _with_patch(canvas: np.ndarray, kernel: np.ndarray, scale: float, s: int) -> np.ndarray:
    """Put the filter's R, G, B slices together as one colour patch in front of the slices."""
    patch = np.clip(0.5 + kernel.transpose(1, 2, 0) / (2.0 * scale), 0.0, 1.0)
    patch = (patch * 255 + 0.5).astype(np.uint8).repeat(s, axis=0).repeat(s, axis=1)
    height = max(canvas.shape[0], patch.shape[0])
    out = np.full((height, patch.shape[1] + PATCH_GAP + canvas.shape[1], 3), 255, np.uint8)
    out[:patch.shape[0], :patch.shape[1]] = patch
    out[:canvas.shape[0], patch.shape[1] + PATCH_GAP:] = canvas
    return out


def filter_title(k: int, bias: np.ndarray | None, seen: tuple[int, int] | None) -> str:
    """"filter 3 · b +0.031", plus "sees input ch 0–3" for grouped convolutions."""
    text = f"filter {k} · " + (f"b {bias[k]:+.3g}" if bias is not None else "no bias")
    if seen is not None:
        text += f"\nsees input ch {seen[0]}–{seen[1]}"
    return text


def filter_tooltip(k: int, kernel: np.ndarray, bias: np.ndarray | None, seen: tuple[int, int]) -> str:
    depth, kh, kw = kernel.shape
    b = f"{bias[k]:+.4g}" if bias is not None else "none"
    return (f"Filter {k}: {depth} slice{'s' * (depth != 1)} of {kh}×{kw}, one per input channel "
            f"{seen[0]}–{seen[1]} (weights {kernel.min():.3g} … {kernel.max():.3g}), bias {b}.\n"
            f"Output channel {k} = Σ over those input channels of (slice ⋆ channel) + bias.\n"
            "Blue is negative, white zero, red positive; one scale for the whole layer.")
