"""Nearest-neighbour upsampling and zero padding."""

from __future__ import annotations

import numpy as np

from convstudio.kernels.args import check_image, floating, pair, side_padding


def upsample_nearest2d(x, scale=(2, 2)) -> np.ndarray:
    """Repeat every pixel sh times down and sw times across (integer scales)."""
    x = floating(x)
    check_image(x, "upsample_nearest2d")
    sh, sw = pair(scale, "scale")
    n, c, h, w = x.shape
    out = np.empty((n, c, h, sh, w, sw), dtype=x.dtype)
    out[...] = x[:, :, :, None, :, None]
    return out.reshape(n, c, h * sh, w * sw)


def zero_pad2d(x, padding) -> np.ndarray:
    """Surround each map with zeros: padding is ((top, bottom), (left, right)) or an int / pair."""
    x = floating(x)
    check_image(x, "zero_pad2d")
    (top, bottom), (left, right) = side_padding(padding)
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out
