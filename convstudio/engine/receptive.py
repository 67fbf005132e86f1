"""Receptive fields: which input pixels can influence one output pixel.

Per spatial axis we track the field's size, the jump (input pixels between two
neighbouring outputs) and the centre of output pixel 0, all in input pixels
(Araujo et al., "Computing receptive fields of convolutional neural networks").
Layers that upsample make these fractional; their fields are approximate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..layers import GLOBAL, Window


@dataclass(frozen=True)
class Field:
    size: tuple[float, float]
    jump: tuple[float, float]
    start: tuple[float, float]
    extent: tuple[int, int]  # the input image's height and width
    whole: bool = False  # every input pixel reaches every output value

    @property
    def clipped(self) -> tuple[int, int]:
        """Size as shown to a user: no larger than the input it looks at (plus padding is ignored)."""
        return tuple(min(math.ceil(s), e) if not self.whole else e for s, e in zip(self.size, self.extent))

    def box(self, row: int, col: int) -> tuple[float, float, float, float]:
        """(top, left, bottom, right) input coordinates covered by output pixel (row, col), unclipped."""
        cy = self.start[0] + row * self.jump[0]
        cx = self.start[1] + col * self.jump[1]
        if self.whole:
            return 0.0, 0.0, self.extent[0] - 1.0, self.extent[1] - 1.0
        hy, hx = (self.size[0] - 1) / 2, (self.size[1] - 1) / 2
        return cy - hy, cx - hx, cy + hy, cx + hx

    def describe(self) -> str:
        h, w = self.clipped
        return "whole input" if self.whole else f"{h}×{w}"


def for_input(height: int, width: int) -> Field:
    return Field((1.0, 1.0), (1.0, 1.0), (0.0, 0.0), (height, width))


def merge(fields: list[Field]) -> Field:
    """Inputs joined by Add/Concat: the widest field wins."""
    best = max(fields, key=lambda f: (f.whole, f.size))
    return best


def step(field: Field, window) -> Field:
    """The field after one layer described by `window` (see LayerType.window)."""
    if window is None:
        return field
    if window == GLOBAL or field.whole:
        return Field(tuple(map(float, field.extent)), field.jump, field.start, field.extent, True)
    size, jump, start = [], [], []
    for a, w in enumerate(window):
        s, j, c = _axis(field.size[a], field.jump[a], field.start[a], w)
        size.append(s)
        jump.append(j)
        start.append(c)
    return Field(tuple(size), tuple(jump), tuple(start), field.extent)


def _axis(size: float, jump: float, start: float, w: Window) -> tuple[float, float, float]:
    if w.upscale > 1:
        taps = math.ceil(w.kernel / w.upscale)
        return size + (taps - 1) * jump, jump / w.upscale, start + (w.pad - (w.kernel - 1) / 2) / w.upscale * jump
    return size + (w.kernel - 1) * jump, jump * w.stride, start + ((w.kernel - 1) / 2 - w.pad) * jump
