"""Convolution arithmetic on one spatial axis (Dumoulin & Visin, arXiv:1603.07285)."""
from __future__ import annotations


def dilated(k: int, d: int) -> int:
    """Effective kernel extent k̂ = k + (k − 1)(d − 1)."""
    return k + (k - 1) * (d - 1)


def conv_out(i: int, k: int, s: int, pad: tuple[int, int], d: int = 1) -> int:
    """o = ⌊(i + p_before + p_after − k̂) / s⌋ + 1 (may be ≤ 0 when the kernel does not fit)."""
    return (i + pad[0] + pad[1] - dilated(k, d)) // s + 1


def same_pad(i: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """Padding that gives o = ⌈i / s⌉, the extra pixel after (as TensorFlow and PyTorch do)."""
    o = -(-i // s)
    total = max((o - 1) * s + dilated(k, d) - i, 0)
    return total // 2, total - total // 2


def resolve_pad(padding, i: int, k: int, s: int, d: int, axis: int) -> tuple[int, int]:
    """(before, after) padding on `axis` (0 = height, 1 = width) for any accepted spelling."""
    if padding == "same":
        return same_pad(i, k, s, d)
    if padding == "valid":
        return 0, 0
    return padding[axis], padding[axis]


def uncovered(i: int, k: int, s: int, pad: tuple[int, int], d: int = 1) -> int:
    """How many trailing rows/columns of the padded input the window never reaches."""
    span = i + pad[0] + pad[1] - dilated(k, d)
    return span % s if span >= 0 else 0


def transposed_out(i: int, k: int, s: int, p: int, output_padding: int = 0, d: int = 1) -> int:
    """o′ = s(i′ − 1) + a + k̂ − 2p, with a given as output_padding."""
    return s * (i - 1) + output_padding + dilated(k, d) - 2 * p
