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


def transformed_filters(weight: np.ndarray) -> np.ndarray:
    """G w Gᵀ for every (output, input) channel pair of 3x3 filters, as (16, K, C)."""
    k, c = weight.shape[:2]
    return (_GG.astype(weight.dtype) @ weight.reshape(k * c, 9).T).reshape(16, k, c)


def winograd_conv3x3(x, weight, bias, padding, out, cancel, budget: int, u: np.ndarray | None = None) -> None:
    """Write the stride-1, undilated, ungrouped 3x3 convolution of x into out (N, K, Ho, Wo).

    Work goes in bands of output rows whose transformed input and products fit ``budget``
    bytes; ``cancel`` is polled per band. ``u``: the filters already transformed (shared by
    workers that each take a band of the same image).
    """
    n, c, _, _ = x.shape
    k = weight.shape[0]
    ho, wo = out.shape[2:]
    (pt, _), (pl, _) = padding
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    u = transformed_filters(weight) if u is None else u
    rows = max(1, min(th, budget // (16 * (c + k) * (tw + 1) * x.itemsize)))
    phases = np.empty((2, 2, c, rows + 1, tw + 1), dtype=x.dtype)
    v = np.zeros(16 * c * rows * (tw + 1), dtype=x.dtype)
    m = np.empty(16 * k * rows * (tw + 1), dtype=x.dtype)
    for i in range(n):
        for t0 in range(0, th, rows):
            check_cancel(cancel, "conv2d")
            tr = min(rows, th - t0)
            vt = _transformed_band(x[i], t0, tr, (pt, pl), phases, v)
            mt = m[: 16 * k * tr * (tw + 1)].reshape(16, k, tr * (tw + 1))
            np.matmul(u, vt, out=mt)
            _output_transform(mt.reshape(4, 4, k, tr, tw + 1), out[i, :, 2 * t0: 2 * t0 + 2 * tr], bias)


def _transformed_band(image, t0: int, tr: int, origin, phases, v) -> np.ndarray:
    """Bᵀ d B for the 4x4 patches of tile rows t0 .. t0 + tr of one image, as (16, C, tr·(tw + 1))."""
    pt, pl = origin
    c, tw = image.shape[0], phases.shape[-1] - 1
    p = phases[:, :, :, : tr + 1]
    for py in range(2):
        for px in range(2):
            gather(p[py, px], image, (2 * t0 + py - pt, 2), (px - pl, 2))
    vt = v[: 16 * c * tr * (tw + 1)].reshape(16, c, tr * (tw + 1))
    _input_transform(p, vt.reshape(16, -1))
    return vt


def winograd_weight_grad3x3(x, g, padding, cancel, budget: int) -> np.ndarray:
    """dL/dW (K, C, 3, 3) of the stride-1, undilated, ungrouped 3x3 convolution of x that gave
    the output gradient g (N, K, Ho, Wo), with F(2x2, 3x3)'s transforms run backwards.

    The forward is Y = Aᵀ[U ⊙ V]A per tile with U = G w Gᵀ, so dL/dU = Σ over tiles of
    (A dY Aᵀ) ⊙ V — one (K × tiles)·(tiles × C) product per entry of the 4x4 tile — and
    dL/dw = Gᵀ (dL/dU) G: 2.25 times fewer multiplications than im2col's product. The output
    gradient is zero-padded to whole tiles (and the spare tile column), so the values the
    forward drops or never computes contribute nothing.
    """
    n, c, _, _ = x.shape
    k, ho, wo = g.shape[1:]
    (pt, _), (pl, _) = padding
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    rows = max(1, min(th, budget // (16 * (c + k) * (tw + 1) * x.itemsize)))
    phases = np.empty((2, 2, c, rows + 1, tw + 1), dtype=x.dtype)
    v = np.zeros(16 * c * rows * (tw + 1), dtype=x.dtype)
    dm = np.empty((16, k, rows, tw + 1), dtype=x.dtype)
    band = np.zeros((k, 2 * rows, 2 * (tw + 1)), dtype=x.dtype)
    du = np.zeros((16, k, c), dtype=x.dtype)
    for i in range(n):
        for t0 in range(0, th, rows):
            check_cancel(cancel, "conv2d backward")
            tr = min(rows, th - t0)
            vt = _transformed_band(x[i], t0, tr, (pt, pl), phases, v)
            filled = min(2 * tr, ho - 2 * t0)
            band[:, :filled, :wo] = g[i, :, 2 * t0: 2 * t0 + filled]
            band[:, filled:] = 0
            mt = dm[:, :, :tr]
            _output_transform_adjoint(band[:, : 2 * tr], mt)
            du += np.matmul(mt.reshape(16, k, -1), vt.transpose(0, 2, 1))
    grad = _GG.T.astype(x.dtype) @ du.reshape(16, k * c)
    return np.ascontiguousarray(grad.reshape(3, 3, k, c).transpose(2, 3, 0, 1))


def _output_transform_adjoint(dy: np.ndarray, dm: np.ndarray) -> None:
    """dm[4a + b] = (A dY Aᵀ)[a, b] for every 2x2 tile dY of dy (K, 2·rows, 2·cols): the
    transpose of `_output_transform`, with Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]]."""
    r0, r1 = dy[:, 0::2], dy[:, 1::2]
    for a, ra in enumerate((r0, r0 + r1, r0 - r1, -r1)):
        c0, c1 = ra[..., 0::2], ra[..., 1::2]
        dm[4 * a] = c0
        np.add(c0, c1, out=dm[4 * a + 1])
        np.subtract(c0, c1, out=dm[4 * a + 2])
        np.negative(c1, out=dm[4 * a + 3])


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
