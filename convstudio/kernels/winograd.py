"""3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3).

Each 2x2 block of outputs comes from a 4x4 input patch with 16 multiplications per
(input, output) channel pair instead of 36, so the matrix products that dominate wide
convolutions do 2.25 times less work. The transforms use only additions (and halves in
the weight transform), so float32 accuracy matches im2col. Lavin & Gray, "Fast
Algorithms for Convolutional Neural Networks", arXiv:1509.09308.
"""

from __future__ import annotations

import numpy as np

from convstudio.kernels.args import check_cancel
from convstudio.kernels.gather import gather

# G g Gᵀ maps a 3x3 filter g to the 4x4 transformed filter; kron(G, G) does it flattened.
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.kron(_G, _G)


def winograd_conv3x3(x, weight, bias, padding, out, cancel, budget: int) -> None:
    """Write the stride-1, undilated, ungrouped 3x3 convolution of x into out (N, K, Ho, Wo).

    Work goes in bands of output rows whose transformed input and products fit ``budget``
    bytes; ``cancel`` is polled per band.
    """
    n, c, _, _ = x.shape
    k = weight.shape[0]
    ho, wo = out.shape[2:]
    (pt, _), (pl, _) = padding
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    u = (_GG.astype(x.dtype) @ weight.reshape(k * c, 9).T).reshape(16, k, c)
    rows = max(1, min(th, budget // (16 * (c + k) * (tw + 1) * x.itemsize)))
    phases = np.empty((2, 2, c, rows + 1, tw + 1), dtype=x.dtype)
    v = np.zeros(16 * c * rows * (tw + 1), dtype=x.dtype)
    m = np.empty(16 * k * rows * (tw + 1), dtype=x.dtype)
    for i in range(n):
        for t0 in range(0, th, rows):
            check_cancel(cancel, "conv2d")
            tr = min(rows, th - t0)
            p = phases[:, :, :, : tr + 1]
            for py in range(2):
                for px in range(2):
                    gather(p[py, px], x[i], (2 * t0 + py - pt, 2), (px - pl, 2))
            vt = v[: 16 * c * tr * (tw + 1)].reshape(16, c, tr * (tw + 1))
            _input_transform(p, vt.reshape(16, -1))
            mt = m[: 16 * k * tr * (tw + 1)].reshape(16, k, tr * (tw + 1))
            np.matmul(u, vt, out=mt)
            _output_transform(mt.reshape(4, 4, k, tr, tw + 1), out[i, :, 2 * t0: 2 * t0 + 2 * tr], bias)


def _input_transform(p: np.ndarray, v: np.ndarray) -> None:
    """v[4a + b] = (Bᵀ d B)[a, b] for every 4x4 patch d of the padded input.

    p[py, px, :, Y, X] holds padded input (2Y + py, 2X + px), so patch row a is phase a % 2
    at offset a // 2. Tiles are laid out tw + 1 per row: the spare last column lets the
    column offsets be shifts of whole flattened arrays (it holds values that are never used).
    """
    rows = p.shape[3] - 1
    r = [p[a % 2, :, :, a // 2: a // 2 + rows] for a in range(4)]
    t = (r[0] - r[2], r[1] + r[2], r[2] - r[1], r[1] - r[3])
    length = v.shape[1] - 1
    for a, ta in enumerate(t):
        flat = ta.reshape(2, -1)
        s = [flat[b % 2, b // 2: b // 2 + length] for b in range(4)]
        np.subtract(s[0], s[2], out=v[4 * a, :length])
        np.add(s[1], s[2], out=v[4 * a + 1, :length])
        np.subtract(s[2], s[1], out=v[4 * a + 2, :length])
        np.subtract(s[1], s[3], out=v[4 * a + 3, :length])


def _output_transform(m: np.ndarray, out: np.ndarray, bias) -> None:
    """out[:, 2y + i, 2x + j] = (Aᵀ M A)[i, j] + bias, dropping the last row/column when odd."""
    ho, wo = out.shape[1:]
    s0 = m[0] + m[1]
    s0 += m[2]
    s1 = m[1] - m[2]
    s1 -= m[3]
    for i, si in enumerate((s0, s1)):
        rows = (ho - i + 1) // 2
        y0 = si[0] + si[1]
        y0 += si[2]
        y1 = si[1] - si[2]
        y1 -= si[3]
        for j, y in enumerate((y0, y1)):
            if bias is not None:
                y += bias[:, None, None]
            out[:, i::2, j::2] = y[:, :rows, : (wo - j + 1) // 2]
