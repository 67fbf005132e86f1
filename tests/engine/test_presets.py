"""Hand-made Conv2D filter presets of convstudio.engine.presets."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from convstudio.engine.images import SAMPLES, prepare_image
from convstudio.engine.presets import (
    GABOR_ANGLES,
    preset_bank,
    preset_bias,
    preset_description,
    preset_kernel,
    preset_names,
    preset_weights,
)
from convstudio.errors import ConvStudioError


def correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Plain 'valid' cross-correlation of a 2-D image, as a Conv2D layer computes it."""
    windows = sliding_window_view(image.astype(np.float64), kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel.astype(np.float64))


def conv2d(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """'valid' Conv2D of one (C, H, W) image with a (K, C, kH, kW) weight."""
    windows = sliding_window_view(x.astype(np.float64), weight.shape[2:], axis=(1, 2))
    return np.einsum("chwij,kcij->khw", windows, weight.astype(np.float64))


def luminance(sample: str, size: int = 64) -> np.ndarray:
    return prepare_image(SAMPLES[sample](size, size), 1, size, size)[0]


def test_catalogue():
    names = preset_names()
    for required in ["identity", "box-blur", "gaussian", "sobel-x", "sobel-y", "laplacian",
                     "sharpen", "gabor"]:
        assert required in names
    for name in names:
        description = preset_description(name)
        assert description and "\n" not in description


@pytest.mark.parametrize("call", [
    lambda: preset_kernel("emboss", 3, 3),
    lambda: preset_description("emboss"),
    lambda: preset_weights("emboss", (1, 1, 3, 3)),
    lambda: preset_bias("emboss", 4),
])
def test_unknown_preset_names_it_and_lists_the_choices(call):
    with pytest.raises(ConvStudioError) as info:
        call()
    message = str(info.value)
    assert "'emboss'" in message and "sobel-x" in message and "gabor" in message


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_at_every_small_size_gives_a_kernel_or_a_clear_error(name):
    for kh in range(1, 8):
        for kw in range(1, 8):
            try:
                kernel = preset_kernel(name, kh, kw)
            except ConvStudioError as error:
                assert repr(name) in str(error) and f"{kh}×{kw}" in str(error)
                continue
            assert kernel.shape == (kh, kw) and kernel.dtype == np.float32
            assert np.all(np.isfinite(kernel)) and np.any(kernel != 0)
            assert np.array_equal(kernel, preset_kernel(name, kh, kw))


@pytest.mark.parametrize("size", [(1, 1), (3, 3), (5, 5), (4, 4), (3, 5), (7, 2)])
def test_identity_preserves_the_image(size):
    image = luminance("scene", 32)
    kh, kw = size
    top, left = (kh - 1) // 2, (kw - 1) // 2
    out = correlate(image, preset_kernel("identity", kh, kw))
    np.testing.assert_array_equal(out, image[top:top + out.shape[0], left:left + out.shape[1]])


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 3), (5, 5), (3, 7), (6, 4)])
def test_blurs_sum_to_one(size):
    box = preset_kernel("box-blur", *size)
    assert box.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.all(box == box.flat[0])
    gauss = preset_kernel("gaussian", *size)
    assert gauss.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.all(gauss > 0)


@pytest.mark.parametrize("size", [(3, 3), (5, 5), (4, 4), (3, 7), (9, 9)])
def test_gaussian_is_symmetric_and_peaks_in_the_middle(size):
    gauss = preset_kernel("gaussian", *size)
    np.testing.assert_allclose(gauss, gauss[::-1, :], rtol=1e-6)
    np.testing.assert_allclose(gauss, gauss[:, ::-1], rtol=1e-6)
    kh, kw = size
    assert gauss[(kh - 1) // 2, (kw - 1) // 2] == gauss.max()
    if kh == kw:
        np.testing.assert_allclose(gauss, gauss.T, rtol=1e-6)


def test_gaussian_3x3_uses_opencvs_sigma():
    offsets = np.array([-1.0, 0.0, 1.0])
    row = np.exp(-(offsets**2) / (2 * 0.8**2))
    expected = np.outer(row, row) / np.outer(row, row).sum()
    np.testing.assert_allclose(preset_kernel("gaussian", 3, 3), expected, rtol=1e-6)


def test_blurs_keep_flat_areas_flat():
    flat = np.full((10, 10), 0.3)
    for name in ["box-blur", "gaussian"]:
        np.testing.assert_allclose(correlate(flat, preset_kernel(name, 5, 5)), 0.3, rtol=1e-6)


def test_classic_3x3_kernels():
    np.testing.assert_array_equal(
        preset_kernel("sobel-x", 3, 3), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(
        preset_kernel("sobel-y", 3, 3), [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    np.testing.assert_array_equal(
        preset_kernel("laplacian", 3, 3), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    np.testing.assert_array_equal(
        preset_kernel("sharpen", 3, 3), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])


def test_sobel_grows_like_opencvs_extended_sobel():
    expected = np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1])
    np.testing.assert_array_equal(preset_kernel("sobel-x", 5, 5), expected)
    np.testing.assert_array_equal(preset_kernel("sobel-y", 5, 5), expected.T)
    np.testing.assert_array_equal(preset_kernel("sobel-x", 1, 2), [[-1, 1]])


def test_sobel_x_responds_to_vertical_edges_not_horizontal_ones():
    vertical_edge = np.zeros((12, 12))
    vertical_edge[:, 6:] = 1.0  # dark left, bright right
    horizontal_edge = vertical_edge.T.copy()  # dark top, bright bottom
    sobel_x, sobel_y = preset_kernel("sobel-x", 3, 3), preset_kernel("sobel-y", 3, 3)
    assert correlate(vertical_edge, sobel_x).max() == pytest.approx(4.0)
    assert np.all(correlate(horizontal_edge, sobel_x) == 0)
    assert correlate(horizontal_edge, sobel_y).max() == pytest.approx(4.0)
    assert np.all(correlate(vertical_edge, sobel_y) == 0)


def test_edge_detectors_ignore_flat_areas():
    flat = np.full((9, 9), 0.6)
    for name in ["sobel-x", "sobel-y", "laplacian", "gabor-0", "gabor-45"]:
        for size in [(3, 3), (5, 5), (4, 6)]:
            assert preset_kernel(name, *size).sum() == pytest.approx(0.0, abs=1e-6)
            np.testing.assert_allclose(correlate(flat, preset_kernel(name, *size)), 0, atol=1e-6)


def test_sharpen_keeps_flat_areas_and_boosts_a_spot():
    assert preset_kernel("sharpen", 3, 3).sum() == 1.0
    spot = np.zeros((5, 5))
    spot[2, 2] = 1.0
    assert correlate(spot, preset_kernel("sharpen", 3, 3))[1, 1] == 5.0


def test_larger_laplacian_is_the_3x3_one_centred_in_zeros():
    five = preset_kernel("laplacian", 5, 5)
    np.testing.assert_array_equal(five[1:4, 1:4], preset_kernel("laplacian", 3, 3))
    assert np.count_nonzero(five) == 5
    four = preset_kernel("laplacian", 4, 4)
    np.testing.assert_array_equal(four[0:3, 0:3], preset_kernel("laplacian", 3, 3))


@pytest.mark.parametrize("name, size, needs", [
    ("laplacian", (1, 1), "3×3"), ("sharpen", (2, 5), "3×3"), ("gabor", (3, 2), "3×3"),
    ("sobel-x", (3, 1), "1×2"), ("sobel-y", (1, 3), "2×1"),
])
def test_kernels_too_small_for_a_preset_are_a_clear_error(name, size, needs):
    with pytest.raises(ConvStudioError, match=f"'{name}' needs a kernel of at least {needs}"):
        preset_kernel(name, *size)


def test_gabor_bank_holds_four_different_orientations():
    bank = preset_bank("gabor", 7, 7)
    assert bank.shape == (4, 7, 7) and bank.dtype == np.float32
    for i in range(4):
        np.testing.assert_array_equal(bank[i], preset_kernel(f"gabor-{GABOR_ANGLES[i]}", 7, 7))
        for j in range(i + 1, 4):
            assert np.abs(bank[i] - bank[j]).max() > 0.05
    np.testing.assert_allclose(bank[2], bank[0].T, atol=1e-6)  # 90° is 0° turned
    np.testing.assert_allclose(bank[3], bank[1][:, ::-1], atol=1e-6)  # 135° mirrors 45°
    np.testing.assert_array_equal(preset_kernel("gabor", 7, 7), bank[0])


def test_gabor_positive_weights_sum_to_one():
    for kernel in preset_bank("gabor", 5, 9):
        assert kernel[kernel > 0].sum() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("size", [3, 5, 7])
def test_each_gabor_responds_most_to_stripes_at_its_angle(size):
    stripes = {angle: luminance(f"stripes-{angle}") for angle in GABOR_ANGLES}
    for angle in GABOR_ANGLES:
        kernel = preset_kernel(f"gabor-{angle}", size, size)
        energy = {a: np.mean(correlate(image, kernel) ** 2) for a, image in stripes.items()}
        assert max(energy, key=energy.get) == angle


def test_preset_weights_shape_dtype_and_cycling():
    weight = preset_weights("gabor", (6, 3, 5, 5))
    assert weight.shape == (6, 3, 5, 5) and weight.dtype == np.float32
    assert weight.flags.c_contiguous
    bank = preset_bank("gabor", 5, 5)
    for k in range(6):
        for c in range(3):
            np.testing.assert_allclose(weight[k, c], bank[k % 4] / 3, rtol=1e-6)
    np.testing.assert_array_equal(weight[4], weight[0])
    np.testing.assert_array_equal(weight[5], weight[1])


def test_single_presets_repeat_over_every_filter():
    weight = preset_weights("sobel-x", (4, 1, 3, 3))
    for k in range(4):
        np.testing.assert_array_equal(weight[k, 0], preset_kernel("sobel-x", 3, 3))


def test_preset_weights_see_the_average_of_the_input_channels():
    image = SAMPLES["scene"](20, 20)
    weight = preset_weights("gabor", (4, 3, 3, 3))
    out = conv2d(image, weight)
    average = image.astype(np.float64).mean(axis=0)
    for k in range(4):
        np.testing.assert_allclose(out[k], correlate(average, preset_bank("gabor", 3, 3)[k]),
                                   atol=1e-5)


def test_grouped_weights_divide_by_the_channels_per_group():
    weight = preset_weights("box-blur", (8, 2, 3, 3))
    assert weight.shape == (8, 2, 3, 3)
    assert weight.sum(axis=(1, 2, 3)) == pytest.approx(np.ones(8), abs=1e-6)


def test_preset_weights_refuse_a_kernel_too_small():
    with pytest.raises(ConvStudioError, match=r"'laplacian'.*1×1"):
        preset_weights("laplacian", (4, 3, 1, 1))


def test_preset_weights_need_a_conv2d_shape():
    with pytest.raises(ValueError):
        preset_weights("identity", (3, 3, 3))


def test_preset_bias_is_zero():
    bias = preset_bias("gaussian", 5)
    assert bias.shape == (5,) and bias.dtype == np.float32 and not bias.any()


def test_presets_are_deterministic():
    for name in preset_names():
        assert preset_weights(name, (5, 2, 5, 5)).tobytes() == \
            preset_weights(name, (5, 2, 5, 5)).tobytes()
