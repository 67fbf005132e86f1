"""3x3 stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3).

Each m×m block of outputs comes from an (m+2)×(m+2) input patch with (m+2)² multiplications
per (input, output) channel pair instead of 9m²: F(4×4, 3×3) does the matrix products that
dominate wide convolutions with four times less work, F(2×2, 3×3) with 2.25 times less. The
transforms are small matrix products too (Bᵀ d B, Aᵀ M A, G g Gᵀ), applied one axis at a time,
so a band of tiles costs a dozen NumPy calls whatever its size. Lavin & Gray, "Fast Algorithms
for Convolutional Neural Networks", arXiv:1509.09308; the F(4×4, 3×3) points are 0, ±1, ±2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from convstudio.kernels.args import check_cancel
from convstudio.kernels.gather import gather


@dataclass(frozen=True)
class Tiling:
    """The matrices of F(m×m, 3×3): input transform Bᵀ (α×α), filter transform G (α×3) and
    output transform Aᵀ (m×α), with α = m + 2."""

    bt: np.ndarray
    g: np.ndarray
    at: np.ndarray

    @property
    def m(self) -> int:
        return self.at.shape[0]

    @property
    def alpha(self) -> int:
        return self.bt.shape[0]


F4 = Tiling(
    bt=np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                 [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], float),
    g=np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]),
    at=np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], float),
)

# glibc maps arrays above 32 MiB afresh on every call, page faults and all: the transformed filters
# of wide layers (α²·K·C floats, 38 MB for 512×512) are kept in blocks of output channels below that.
FILTER_BLOCK_BYTES = 16 << 20


def transformed_filters(weight: np.ndarray, tiling: Tiling = F4) -> list[np.ndarray]:
    """G w Gᵀ for every (output, input) channel pair of 3x3 filters, as blocks (α², K_b, C) of
    consecutive output channels."""
    k, c = weight.shape[:2]
    a2 = tiling.alpha ** 2
    gg = np.kron(tiling.g, tiling.g).astype(weight.dtype)
    flat = weight.reshape(k * c, 9)
    per = max(1, FILTER_BLOCK_BYTES // (a2 * c * weight.itemsize))
    return [(gg @ flat[k0 * c: min(k, k0 + per) * c].T).reshape(a2, -1, c) for k0 in range(0, k, per)]


def winograd_filter_bytes(k: int, c: int, itemsize: int, tiling: Tiling = F4) -> int:
    """Bytes of the transformed filters (and of the weight gradient's sums before Gᵀ · G)."""
    return tiling.alpha ** 2 * k * c * itemsize


def _tile_bytes(c: int, k: int, itemsize: int, grad: bool = False, tiling: Tiling = F4) -> int:
    """Scratch one tile of a band takes: its share of the padded input, its patches, their
    transform, the products and their inverse (and, for the weight gradient, its piece of the
    zero-padded output gradient). Counted generously: the padded input's border is a full tile's."""
    m, a = tiling.m, tiling.alpha
    values = a * m * c + a * a * c + a * max(a * c, m * k) + a * a * k + m * m * k + (a * m * k if grad else 0)
    return values * itemsize


def band_fits(c: int, k: int, wo: int, itemsize: int, budget: int, grad: bool = False, tiling: Tiling = F4) -> bool:
    """Whether one row of tiles fits ``budget``: bands are never thinner than that, so on maps too
    wide for it Winograd would overrun its scratch (im2col, which splits rows, takes them)."""
    return -(-wo // tiling.m) * _tile_bytes(c, k, itemsize, grad, tiling) <= budget


def _bands(tiling: Tiling, n: int, c: int, k: int, th: int, tw: int, itemsize: int, budget: int, grad: bool):
    """Bands (i0, i1, t0, tr): images i0 .. i1 and tile rows t0 .. t0 + tr of each, whose scratch
    (`_tile_bytes`) fits ``budget`` when one tile row does (`band_fits`). Small maps go several whole
    images to a band, so the matrix products stay wide enough for BLAS to run at full speed; large
    maps a few rows at a time."""
    rows = max(1, budget // (tw * _tile_bytes(c, k, itemsize, grad, tiling)))
    if rows >= th:
        step = min(n, rows // th)
        return [(i0, min(n, i0 + step), 0, th) for i0 in range(0, n, step)]
    return [(i, i + 1, t0, min(rows, th - t0)) for i in range(n) for t0 in range(0, th, rows)]


class _Band:
    """Scratch for bands of up to ``size`` tiles (images × tile rows × tw), reused from band to band."""

    def __init__(self, tiling: Tiling, c: int, k: int, bands, tw: int, dtype):
        m, a = tiling.m, tiling.alpha
        images = max(i1 - i0 for i0, i1, _, _ in bands)
        rows = max(tr for _, _, _, tr in bands)
        size = images * rows * tw
        self.tiling, self.tw = tiling, tw
        self.padded = np.empty((images, c, m * rows + 2, m * tw + 2), dtype)
        self.patches = np.empty(a * a * c * size, dtype)
        self.half = np.empty(a * max(a * c, m * k) * size, dtype)
        self.products = np.empty(a * a * k * size, dtype)
        self.tiles = np.empty(m * m * k * size, dtype)
        self.bt, self.at = tiling.bt.astype(dtype), tiling.at.astype(dtype)

    def transformed(self, images, t0: int, tr: int, origin) -> np.ndarray:
        """Bᵀ d B for the (m+2)² patches of tile rows t0 .. t0 + tr of images (nb, C, H, W), as
        (α², C, nb·tr·tw) with the tiles of each channel ordered by image, row, column."""
        m, a, tw = self.tiling.m, self.tiling.alpha, self.tw
        nb, c = images.shape[:2]
        pt, pl = origin
        padded = self.padded[:nb, :, : m * tr + 2]
        gather(padded, images, (m * t0 - pt, 1), (-pl, 1))
        # d[i, j, c, b, Y, X] = padded[b, c, mY + i, mX + j]: every patch in one strided view.
        s = padded.strides
        view = as_strided(padded, (a, a, c, nb, tr, tw), (s[2], s[3], s[1], s[0], m * s[2], m * s[3]),
                          writeable=False)
        size = a * a * c * nb * tr * tw
        d = self.patches[:size].reshape(a, a, c, nb, tr, tw)
        np.copyto(d, view)
        half = self.half[:size].reshape(a, -1)
        np.matmul(self.bt, d.reshape(a, -1), out=half)  # along the patch rows
        np.matmul(self.bt, half.reshape(a, a, -1), out=d.reshape(a, a, -1))  # along the columns
        return d.reshape(a * a, c, nb * tr * tw)


def winograd_conv3x3(x, weight, bias, padding, out, cancel, budget: int, u: list[np.ndarray] | None = None,
                     tiling: Tiling = F4) -> None:
    """Write the stride-1, undilated, ungrouped 3x3 convolution of x into out (N, K, Ho, Wo).

    Work goes in bands (several images, or rows of one) whose scratch fits ``budget`` bytes when
    one tile row does; ``cancel`` is polled per band. ``u``: the filters already transformed (made
    once for the workers that share the batch or the image).
    """
    n, c, _, _ = x.shape
    k = weight.shape[0]
    ho, wo = out.shape[2:]
    m, a = tiling.m, tiling.alpha
    th, tw = -(-ho // m), -(-wo // m)
    u = transformed_filters(weight, tiling) if u is None else u
    bands = _bands(tiling, n, c, k, th, tw, x.itemsize, budget, grad=False)
    band = _Band(tiling, c, k, bands, tw, x.dtype)
    for i0, i1, t0, tr in bands:
        check_cancel(cancel, "conv2d")
        nb = i1 - i0
        v = band.transformed(x[i0:i1], t0, tr, (padding[0][0], padding[1][0]))
        mt = band.products[: a * a * k * nb * tr * tw].reshape(a * a, k, -1)
        k0 = 0
        for block in u:
            np.matmul(block, v, out=mt[:, k0: k0 + block.shape[1]])
            k0 += block.shape[1]
        y = _inverse(band, mt)
        if bias is not None:
            y += bias[:, None]
        # y[i, j, k, b, Y, X] is output (b, k, mY + i, mX + j): one copy lays the tiles out as rows.
        rows = band.half[: m * m * k * nb * tr * tw].reshape(nb, k, tr, m, tw, m)
        np.copyto(rows, y.reshape(m, m, k, nb, tr, tw).transpose(3, 2, 4, 0, 5, 1))
        filled = min(m * tr, ho - m * t0)
        out[i0:i1, :, m * t0: m * t0 + filled] = rows.reshape(nb, k, m * tr, m * tw)[:, :, :filled, :wo]


def _inverse(band: _Band, mt: np.ndarray) -> np.ndarray:
    """Aᵀ M A for every tile of mt (α², K, tiles), as (m², K, tiles)."""
    m, a = band.tiling.m, band.tiling.alpha
    k, size = mt.shape[1:]
    half = band.half[: m * a * k * size].reshape(m, a, -1)
    np.matmul(band.at, mt.reshape(a, -1), out=half.reshape(m, -1))
    y = band.tiles[: m * m * k * size].reshape(m, m, -1)
    np.matmul(band.at, half, out=y)
    return y.reshape(m * m, k, size)


def winograd_weight_grad3x3(x, g, padding, cancel, budget: int, tiling: Tiling = F4) -> np.ndarray:
    """dL/dW (K, C, 3, 3) of the stride-1, undilated, ungrouped 3x3 convolution of x that gave
    the output gradient g (N, K, Ho, Wo), with the transforms run backwards.

    The forward is Y = Aᵀ[U ⊙ V]A per tile with U = G w Gᵀ, so dL/dU = Σ over tiles of
    (A dY Aᵀ) ⊙ V — one (K × tiles)·(tiles × C) product per entry of the α×α tile — and
    dL/dw = Gᵀ (dL/dU) G. The bands' scratch is gone before that last product.
    """
    a, k, c = tiling.alpha, g.shape[1], x.shape[1]
    du = _filter_gradient_sums(x, g, padding, cancel, budget, tiling)
    gg = np.kron(tiling.g, tiling.g).T.astype(x.dtype)
    grad = gg @ du.reshape(a * a, k * c)
    return np.ascontiguousarray(grad.reshape(3, 3, k, c).transpose(2, 3, 0, 1))


def _filter_gradient_sums(x, g, padding, cancel, budget: int, tiling: Tiling) -> np.ndarray:
    """dL/dU (α², K, C), summed band by band. The output gradient is zero-padded to whole tiles, so
    the values the forward drops or never computes contribute nothing."""
    n, c, _, _ = x.shape
    k, ho, wo = g.shape[1:]
    m, a = tiling.m, tiling.alpha
    th, tw = -(-ho // m), -(-wo // m)
    bands = _bands(tiling, n, c, k, th, tw, x.itemsize, budget, grad=True)
    band = _Band(tiling, c, k, bands, tw, x.dtype)
    wide = np.zeros((max(i1 - i0 for i0, i1, _, _ in bands), k, m * max(tr for *_, tr in bands), m * tw),
                    dtype=x.dtype)
    du = np.zeros((a * a, k, c), dtype=x.dtype)
    part = np.empty((k, c), dtype=x.dtype)
    for i0, i1, t0, tr in bands:
        check_cancel(cancel, "conv2d backward")
        nb = i1 - i0
        v = band.transformed(x[i0:i1], t0, tr, (padding[0][0], padding[1][0]))
        filled = min(m * tr, ho - m * t0)
        wide[:nb, :, :filled, :wo] = g[i0:i1, :, m * t0: m * t0 + filled]
        wide[:nb, :, filled:] = 0
        dm = _inverse_adjoint(band, wide[:nb, :, : m * tr])
        for e in range(a * a):  # one entry at a time: the sums' scratch stays (K, C)
            np.matmul(dm[e], v[e].T, out=part)
            du[e] += part
    return du


def _inverse_adjoint(band: _Band, dy: np.ndarray) -> np.ndarray:
    """A dY Aᵀ for every m×m tile of dy (nb, K, m·tr, m·tw), as (α², K, nb·tr·tw): the transpose
    of `_inverse`."""
    m, a, tw = band.tiling.m, band.tiling.alpha, band.tw
    nb, k, rows = dy.shape[:3]
    tr = rows // m
    size = nb * tr * tw
    tiles = band.tiles[: m * m * k * size].reshape(m, m, k, nb, tr, tw)
    np.copyto(tiles, dy.reshape(nb, k, tr, m, tw, m).transpose(3, 5, 1, 0, 2, 4))
    half = band.half[: a * m * k * size].reshape(a, -1)
    np.matmul(band.at.T, tiles.reshape(m, -1), out=half)
    dm = band.products[: a * a * k * size].reshape(a, a, -1)
    np.matmul(band.at.T, half.reshape(a, m, -1), out=dm)
    return dm.reshape(a * a, k, size)
