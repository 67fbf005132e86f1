"""Hand-made Conv2D filters, so a user can see meaningful feature maps before any training.

Kernels are written the way a Conv2D layer applies them: as a cross-correlation (no flip), rows
going down the image and columns going right, like PyTorch. Positive Sobel responses mean "brighter
to the right" (sobel-x) or "brighter below" (sobel-y).

Sizes: every preset accepts any kH×kW from its minimum upward, square or not.
- identity has its 1 at row (kH − 1) // 2, column (kW − 1) // 2: the true centre for odd sizes and,
  for even ones, the pixel PyTorch's ``padding="same"`` keeps in place.
- box-blur, gaussian and the Gabor filters are built for the size: gaussian uses OpenCV's rule
  σ = 0.3 · ((n − 1) / 2 − 1) + 0.8 per axis; Gabor uses wavelength λ = F and σ = 0.4 F with
  F = min(kH, kW), aspect 0.5, zero mean, and positive weights summing to 1.
- sobel-x / sobel-y grow like OpenCV's extended Sobel: binomial smoothing along the edge times a
  binomial-smoothed difference across it (5×5 gives rows [-1, -2, 0, 2, 1] · [1, 4, 6, 4, 1]).
- laplacian and sharpen are 3×3 filters; larger kernels hold them at the centre, padded with zeros,
  which computes exactly the same thing (a lesson in itself).

Orientation angles match the ``stripes-N`` samples of ``convstudio.engine.images``: ``gabor-N``
responds most to stripes running at N° counter-clockwise from horizontal.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from convstudio.errors import ConvStudioError

GABOR_ANGLES = (0, 45, 90, 135)


class _Preset(NamedTuple):
    description: str
    min_size: tuple[int, int]
    build: Callable[[int, int], list[np.ndarray]]  # (kH, kW) -> bank of float64 kernels


def _centre(kh: int, kw: int) -> tuple[int, int]:
    return (kh - 1) // 2, (kw - 1) // 2


def _identity(kh: int, kw: int) -> np.ndarray:
    kernel = np.zeros((kh, kw))
    kernel[_centre(kh, kw)] = 1.0
    return kernel


def _embed(small: Sequence[Sequence[float]], kh: int, kw: int) -> np.ndarray:
    """A 3×3 kernel placed with its centre on the kernel's centre, zeros elsewhere."""
    kernel = np.zeros((kh, kw))
    top, left = (c - 1 for c in _centre(kh, kw))
    kernel[top:top + 3, left:left + 3] = small
    return kernel


def _binomial(n: int) -> np.ndarray:
    return np.array([math.comb(n - 1, i) for i in range(n)], dtype=np.float64)


def _difference(n: int) -> np.ndarray:
    """Sobel's derivative of length n ≥ 2: a binomial convolved with [-1, 0, 1] or [-1, 1]."""
    step = [-1.0, 0.0, 1.0] if n % 2 else [-1.0, 1.0]
    return np.convolve(_binomial(n - len(step) + 1), step)


def _gaussian_1d(n: int) -> np.ndarray:
    sigma = 0.3 * ((n - 1) / 2 - 1) + 0.8
    offsets = np.arange(n) - (n - 1) / 2
    weights = np.exp(-(offsets**2) / (2 * sigma * sigma))
    return weights / weights.sum()


def _unit(degrees: float) -> tuple[float, float]:
    """(sin, cos) rounded so that 90° gives exact 1 and 0, and 45° equal parts."""
    radians = math.radians(degrees)
    return round(math.sin(radians), 12), round(math.cos(radians), 12)


def _gabor(degrees: float, kh: int, kw: int) -> np.ndarray:
    """Even (cosine) Gabor tuned to stripes at `degrees`; zero mean, positive part sums to 1."""
    size = min(kh, kw)
    wavelength, sigma, aspect = float(size), 0.4 * size, 0.5
    sin, cos = _unit(degrees)
    y = (np.arange(kh) - (kh - 1) / 2)[:, None]
    x = (np.arange(kw) - (kw - 1) / 2)[None, :]
    across, along = x * sin + y * cos, x * cos - y * sin
    envelope = np.exp(-(across**2 + (aspect * along) ** 2) / (2 * sigma * sigma))
    kernel = envelope * np.cos(2 * np.pi * across / wavelength)
    kernel -= kernel.mean()
    return kernel / kernel[kernel > 0].sum()


_LAPLACIAN = [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]
_SHARPEN = [[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]

_PRESETS: dict[str, _Preset] = {
    "identity": _Preset(
        "Copies its input: a 1 at the centre, zeros elsewhere", (1, 1),
        lambda kh, kw: [_identity(kh, kw)],
    ),
    "box-blur": _Preset(
        "Averages every pixel in the window equally (weights sum to 1)", (1, 1),
        lambda kh, kw: [np.full((kh, kw), 1.0 / (kh * kw))],
    ),
    "gaussian": _Preset(
        "Blurs with a bell-shaped weighting, nearer pixels counting more (sums to 1)", (1, 1),
        lambda kh, kw: [np.outer(_gaussian_1d(kh), _gaussian_1d(kw))],
    ),
    "sobel-x": _Preset(
        "Horizontal change: responds to vertical edges (positive when brighter to the right)",
        (1, 2), lambda kh, kw: [np.outer(_binomial(kh), _difference(kw))],
    ),
    "sobel-y": _Preset(
        "Vertical change: responds to horizontal edges (positive when brighter below)",
        (2, 1), lambda kh, kw: [np.outer(_difference(kh), _binomial(kw))],
    ),
    "laplacian": _Preset(
        "Second derivative: responds to edges and spots in every direction, 0 on flat areas",
        (3, 3), lambda kh, kw: [_embed(_LAPLACIAN, kh, kw)],
    ),
    "sharpen": _Preset(
        "Boosts the centre against its neighbours: the image minus its Laplacian", (3, 3),
        lambda kh, kw: [_embed(_SHARPEN, kh, kw)],
    ),
    "gabor": _Preset(
        "Gabor bank: stripe detectors at 0°, 45°, 90°, 135°, one per filter in turn", (3, 3),
        lambda kh, kw: [_gabor(a, kh, kw) for a in GABOR_ANGLES],
    ),
    **{
        f"gabor-{a}": _Preset(
            f"Gabor filter: responds to stripes and lines running at {a}°", (3, 3),
            lambda kh, kw, a=a: [_gabor(a, kh, kw)],
        )
        for a in GABOR_ANGLES
    },
}


def preset_names() -> list[str]:
    """Preset names in display order."""
    return list(_PRESETS)


def preset_description(name: str) -> str:
    """One line describing a preset, for a menu or tooltip."""
    return _lookup(name).description


def preset_bank(name: str, kh: int, kw: int) -> np.ndarray:
    """All kernels of a preset as float32 (B, kH, kW); B = 1 except for banks such as "gabor"."""
    preset = _lookup(name)
    kh, kw = operator.index(kh), operator.index(kw)
    min_h, min_w = preset.min_size
    if kh < min_h or kw < min_w:
        raise ConvStudioError(
            f"filter preset {name!r} needs a kernel of at least {min_h}×{min_w}, got {kh}×{kw}"
        )
    return np.stack(preset.build(kh, kw)).astype(np.float32)


def preset_kernel(name: str, kh: int, kw: int) -> np.ndarray:
    """A preset's (kH, kW) float32 kernel; for a bank, its first entry."""
    return preset_bank(name, kh, kw)[0]


def preset_weights(name: str, weight_shape: Sequence[int]) -> np.ndarray:
    """A Conv2D weight (K, C/groups, kH, kW) that applies the preset to the mean of its inputs.

    Filter k uses bank entry k mod B (a bank cycles, a single preset repeats) and spreads it over
    its input channels divided by their count, so each filter sees the channel average: on a gray
    image repeated over RGB it gives exactly the preset's response.
    """
    shape = tuple(operator.index(n) for n in weight_shape)
    if len(shape) != 4 or min(shape) < 1:
        raise ValueError(f"expected a Conv2D weight shape (K, C/groups, kH, kW), got {shape}")
    filters, per_group, kh, kw = shape
    bank = preset_bank(name, kh, kw).astype(np.float64)
    chosen = bank[np.arange(filters) % len(bank)][:, None] / per_group
    return np.ascontiguousarray(np.broadcast_to(chosen, shape), dtype=np.float32)


def preset_bias(name: str, filters: int) -> np.ndarray:
    """The bias that goes with a preset: zeros, so feature maps show the filter alone."""
    _lookup(name)
    return np.zeros(operator.index(filters), dtype=np.float32)


def _lookup(name: str) -> _Preset:
    try:
        return _PRESETS[name]
    except (KeyError, TypeError):
        raise ConvStudioError(
            f"unknown filter preset {name!r}; choose one of: {', '.join(_PRESETS)}"
        ) from None
