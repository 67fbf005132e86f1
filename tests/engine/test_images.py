"""Sample images, image-file loading and the preparation pipeline of convstudio.engine.images."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from convstudio.engine import images
from convstudio.engine.images import (
    SAMPLES,
    image_to_uint8_rgb,
    load_image_source,
    prepare_image,
    sample_description,
    sample_names,
    to_batch,
)
from convstudio.errors import ConvStudioError

SIZES = [(28, 28), (32, 32), (64, 64), (224, 224), (30, 50), (50, 30), (1, 1)]


def gray(sample: str, size: int = 64) -> np.ndarray:
    return SAMPLES[sample](size, size)[0]


# --------------------------------------------------------------------------- samples


def test_sample_catalogue_has_the_promised_names_in_order():
    names = sample_names()
    assert names == list(SAMPLES)
    for required in ["checkerboard", "stripes-0", "stripes-45", "stripes-90", "stripes-135",
                     "circle", "square", "triangle", "gradient", "noise", "digit", "scene"]:
        assert required in names
    for name in names:
        description = sample_description(name)
        assert description and "\n" not in description


def test_sample_description_of_unknown_name_is_a_clear_error():
    with pytest.raises(ConvStudioError, match=r"'nope'.*checkerboard"):
        sample_description("nope")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_renders_rgb_float32_in_unit_range(name, size):
    height, width = size
    image = SAMPLES[name](height, width)
    assert image.shape == (3, height, width)
    assert image.dtype == np.float32
    assert image.flags.c_contiguous
    assert np.all(np.isfinite(image))
    assert image.min() >= 0.0 and image.max() <= 1.0


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_are_deterministic(name):
    first, second = SAMPLES[name](40, 56), SAMPLES[name](40, 56)
    assert np.array_equal(first, second)
    assert first.tobytes() == second.tobytes()


@pytest.mark.parametrize("name", ["circle", "square", "triangle", "checkerboard", "digit", "scene"])
def test_samples_are_anti_aliased(name):
    values = np.unique(SAMPLES[name](30, 30))  # edges fall inside pixels at this size
    assert len(values) > 3  # not just black and white: edges get partial coverage


def test_bad_sample_size_is_refused():
    with pytest.raises(ConvStudioError, match="0×5"):
        SAMPLES["circle"](0, 5)


def test_checkerboard_alternates():
    board = gray("checkerboard")  # 8 px cells, aligned with pixels at this size
    assert set(np.unique(board)) == {0.0, 1.0}
    assert board[4, 4] != board[4, 12]
    assert board[4, 4] != board[12, 4]
    assert board[4, 4] == board[12, 12]
    assert board.mean() == pytest.approx(0.5)


def test_stripes_run_in_their_direction():
    horizontal, vertical = gray("stripes-0"), gray("stripes-90")
    assert np.all(horizontal == horizontal[:, :1])  # every row is constant
    assert np.all(vertical == vertical[:1, :])  # every column is constant
    assert np.array_equal(vertical, horizontal.T)
    for name in ["stripes-45", "stripes-135"]:
        diagonal = gray(name)
        assert np.ptp(diagonal[0]) > 0.5 and np.ptp(diagonal[:, 0]) > 0.5
    # "/" stripes: constant along up-right diagonals; "\" stripes along down-right ones.
    rising, falling = gray("stripes-45"), gray("stripes-135")
    np.testing.assert_allclose(rising[1:, :-1], rising[:-1, 1:], atol=0.07)
    np.testing.assert_allclose(falling[1:, 1:], falling[:-1, :-1], atol=0.07)
    assert np.abs(rising - falling).mean() > 0.2


def test_shapes_are_white_in_the_middle_and_black_in_the_corners():
    for name in ["circle", "square", "triangle"]:
        image = gray(name)
        assert image[32, 32] == 1.0 and image[0, 0] == 0.0 and image[63, 63] == 0.0


def test_circle_covers_its_area_and_stays_round_on_wide_images():
    disc = SAMPLES["circle"](200, 200)[0]
    assert disc.mean() == pytest.approx(np.pi * 0.3**2, abs=0.005)
    wide = SAMPLES["circle"](100, 300)[0]
    rows, cols = np.nonzero(wide > 0.5)
    assert np.ptp(rows) == pytest.approx(np.ptp(cols), abs=1)


def test_gradient_increases_left_to_right():
    ramp = SAMPLES["gradient"](20, 90)
    assert np.all(np.diff(ramp, axis=2) > 0)
    assert np.all(ramp == ramp[:, :1, :])
    assert np.all(ramp == ramp[:1])
    assert ramp[0, 0, 0] < 0.01 and ramp[0, 0, -1] > 0.99


def test_noise_is_seeded_colourful_and_spread():
    image = SAMPLES["noise"](64, 64)
    assert np.array_equal(image, SAMPLES["noise"](64, 64))
    assert not np.array_equal(image[0], image[1])
    assert 0.45 < image.mean() < 0.55 and image.std() > 0.25


def test_digit_is_a_white_stroke_on_black_at_lenet_sizes():
    for size in (28, 32):
        digit = SAMPLES["digit"](size, size)
        assert np.array_equal(digit[0], digit[2])
        ink = digit[0]
        assert 0.05 < ink.mean() < 0.35
        assert ink.max() > 0.95
        assert ink[0].max() == 0 and ink[-1].max() == 0  # margins like MNIST
        assert ink[round(0.22 * size), size // 2] > 0.9  # the top bar of the 7


def test_scene_is_colourful():
    scene = SAMPLES["scene"](128, 128)
    pixels = np.round(scene.reshape(3, -1).T * 255).astype(int)
    assert len({tuple(p) for p in pixels}) > 50
    assert np.abs(scene[0] - scene[2]).mean() > 0.1  # not a gray image
    sky = scene[:, 2, 2]
    assert sky[2] > sky[0]  # blue at the top
    red, green, blue = scene[:, round(0.2 * 128), round(0.8 * 128)]  # the sun
    assert red > 0.9 and green > 0.7 and blue < 0.4


# --------------------------------------------------------------------------- sources


def test_sample_source_renders_at_the_default_size():
    image = load_image_source("sample:checkerboard")
    assert np.array_equal(image, SAMPLES["checkerboard"](256, 256))


def test_sample_source_can_render_at_the_input_size():
    image = load_image_source("sample:digit", sample_size=(28, 28))
    assert np.array_equal(image, SAMPLES["digit"](28, 28))


def test_unknown_sample_names_the_sample_and_lists_the_choices():
    with pytest.raises(ConvStudioError) as info:
        load_image_source("sample:unicorn")
    message = str(info.value)
    assert "'unicorn'" in message and "checkerboard" in message and "scene" in message
    assert "\n" not in message


def save(tmp_path, name: str, image: Image.Image, **options) -> str:
    path = tmp_path / name
    image.save(path, **options)
    return str(path)


def test_load_rgb_png_exactly(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    image = load_image_source(save(tmp_path, "rgb.png", Image.fromarray(pixels)))
    assert image.dtype == np.float32 and image.shape == (3, 5, 7)
    np.testing.assert_array_equal(image, pixels.transpose(2, 0, 1).astype(np.float32) / 255)


def test_load_jpeg(tmp_path):
    path = save(tmp_path, "photo.jpg", Image.new("RGB", (16, 8), (200, 40, 90)), quality=95)
    image = load_image_source(path)
    assert image.shape == (3, 8, 16) and image.dtype == np.float32
    np.testing.assert_allclose(image[:, 4, 8], np.array([200, 40, 90]) / 255, atol=0.03)


def test_load_jpeg_applies_exif_orientation(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, shown rotated by 90°
    path = save(tmp_path, "phone.jpg", Image.new("RGB", (40, 10), "white"), exif=exif)
    assert load_image_source(path).shape == (3, 40, 10)


def test_load_rgba_composites_over_white(tmp_path):
    pixels = np.array([[[255, 0, 0, 255], [255, 0, 0, 0], [0, 0, 0, 128]]], dtype=np.uint8)
    image = load_image_source(save(tmp_path, "rgba.png", Image.fromarray(pixels, "RGBA")))
    assert image.shape == (3, 1, 3)
    np.testing.assert_allclose(image[:, 0, 0], [1, 0, 0])  # opaque red
    np.testing.assert_allclose(image[:, 0, 1], [1, 1, 1])  # transparent -> white
    np.testing.assert_allclose(image[:, 0, 2], [1 - 128 / 255] * 3, atol=1e-6)  # half black


def test_load_grayscale_png_keeps_one_channel(tmp_path):
    pixels = np.array([[0, 51, 255]], dtype=np.uint8)
    image = load_image_source(save(tmp_path, "gray.png", Image.fromarray(pixels, "L")))
    assert image.shape == (1, 1, 3)
    np.testing.assert_allclose(image[0, 0], [0, 0.2, 1])


def test_load_gray_with_alpha(tmp_path):
    image = Image.fromarray(np.array([[[0, 0], [0, 255]]], dtype=np.uint8), "LA")
    loaded = load_image_source(save(tmp_path, "la.png", image))
    assert loaded.shape == (1, 1, 2)
    np.testing.assert_allclose(loaded[0, 0], [1, 0])


def test_load_palette_png(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.putpixel((1, 0), 1)
    loaded = load_image_source(save(tmp_path, "palette.png", image))
    assert loaded.shape == (3, 1, 2)
    np.testing.assert_allclose(loaded[:, 0, 0], [1, 0, 0])
    np.testing.assert_allclose(loaded[:, 0, 1], [0, 0, 1])


def test_load_palette_png_with_transparent_entry(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    image.putpixel((1, 0), 1)
    loaded = load_image_source(save(tmp_path, "transparent.png", image, transparency=0))
    np.testing.assert_allclose(loaded[:, 0, 0], [1, 1, 1])
    np.testing.assert_allclose(loaded[:, 0, 1], [0, 1, 0])


def test_load_16_bit_grayscale_png(tmp_path):
    pixels = np.array([[0, 32768, 65535]], dtype=np.uint16)
    path = save(tmp_path, "deep.png", Image.fromarray(pixels))
    assert Image.open(path).mode.startswith("I")
    image = load_image_source(path)
    assert image.shape == (1, 1, 3) and image.dtype == np.float32
    np.testing.assert_allclose(image[0, 0], [0, 32768 / 65535, 1])


def test_load_one_bit_png(tmp_path):
    image = Image.new("1", (3, 2))
    image.putpixel((0, 0), 1)
    loaded = load_image_source(save(tmp_path, "bits.png", image))
    assert loaded.shape == (1, 2, 3)
    assert loaded[0, 0, 0] == 1.0 and loaded[0, 1, 1] == 0.0


def test_huge_images_are_shrunk_on_load(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 100)
    path = save(tmp_path, "big.png", Image.new("RGB", (40, 20), (0, 255, 0)))
    image = load_image_source(path)
    assert image.shape == (3, 7, 14)  # reduced by 3: the smallest factor under 100 pixels
    np.testing.assert_allclose(image[:, 3, 3], [0, 1, 0])


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "absent.png"
    with pytest.raises(ConvStudioError, match=r"absent.png.*no such file"):
        load_image_source(str(path))


def test_folder_is_not_an_image(tmp_path):
    with pytest.raises(ConvStudioError, match="folder"):
        load_image_source(str(tmp_path))


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("garbage.png", b"this is not an image at all", "not a PNG, JPEG"),
        ("notes.txt", b"hello", "not a PNG, JPEG"),
        ("empty.jpg", b"", "empty"),
        ("truncated.png", None, "damaged or incomplete"),
    ],
)
def test_undecodable_files_are_one_line_errors_naming_the_file(tmp_path, name, content, reason):
    path = tmp_path / name
    if content is None:
        Image.new("RGB", (64, 64), "red").save(path)
        content = path.read_bytes()[:60]
    path.write_bytes(content)
    with pytest.raises(ConvStudioError) as info:
        load_image_source(str(path))
    message = str(info.value)
    assert name in message and reason in message and "\n" not in message


# --------------------------------------------------------------------------- preparation


def test_rgb_to_gray_uses_bt601_luma():
    image = np.zeros((3, 1, 2), dtype=np.float32)
    image[:, 0, 0] = [1.0, 0.0, 0.0]
    image[:, 0, 1] = [0.2, 0.4, 0.6]
    gray_image = prepare_image(image, 1, 1, 2)
    assert gray_image.shape == (1, 1, 2) and gray_image.dtype == np.float32
    assert gray_image[0, 0, 0] == pytest.approx(0.299, abs=1e-6)
    assert gray_image[0, 0, 1] == pytest.approx(0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, abs=1e-6)


def test_white_stays_white_in_gray():
    assert np.all(prepare_image(np.ones((3, 4, 4), np.float32), 1, 4, 4) == 1.0)


def test_gray_to_rgb_repeats_the_plane():
    image = SAMPLES["gradient"](8, 8)[:1]
    rgb = prepare_image(image, 3, 8, 8)
    assert rgb.shape == (3, 8, 8)
    assert np.array_equal(rgb[0], image[0]) and np.array_equal(rgb[1], rgb[2])


def test_other_channel_counts_cycle_the_source_channels():
    image = np.stack([np.full((2, 2), v, np.float32) for v in (0.1, 0.2, 0.3)])
    four = prepare_image(image, 4, 2, 2)
    np.testing.assert_array_equal(four[:, 0, 0], np.float32([0.1, 0.2, 0.3, 0.1]))
    two = prepare_image(image, 2, 2, 2)
    np.testing.assert_array_equal(two[:, 0, 0], np.float32([0.1, 0.2]))


def test_same_size_same_channels_is_unchanged():
    image = SAMPLES["scene"](32, 40)
    assert np.array_equal(prepare_image(image, 3, 32, 40), image)


@pytest.mark.parametrize("size", [(1, 1), (7, 13), (28, 28), (224, 224), (300, 100)])
def test_resizing_a_constant_image_keeps_it_constant(size):
    image = np.full((3, 37, 53), 0.7, dtype=np.float32)
    resized = prepare_image(image, 3, *size)
    assert resized.shape == (3, *size)
    np.testing.assert_allclose(resized, 0.7, atol=1e-6)


def test_resizing_averages_when_shrinking():
    rows, cols = np.indices((64, 64))
    fine = ((rows + cols) % 2).astype(np.float32)[None]  # 1-pixel checkerboard
    small = prepare_image(fine, 1, 8, 8)
    np.testing.assert_allclose(small, 0.5, atol=0.05)  # point sampling would give only 0 or 1


def test_resizing_keeps_a_gradient_monotonic():
    ramp = prepare_image(SAMPLES["gradient"](16, 100), 1, 16, 37)
    assert np.all(np.diff(ramp, axis=2) > 0)


def test_imagenet_normalization():
    image = np.ones((3, 2, 2), dtype=np.float32)
    normalized = prepare_image(image, 3, 2, 2, normalize="imagenet")
    expected = (1 - np.array(images.IMAGENET_MEAN)) / np.array(images.IMAGENET_STD)
    np.testing.assert_allclose(normalized[:, 0, 0], expected, rtol=1e-6)
    assert normalized.dtype == np.float32


def test_imagenet_normalization_needs_three_channels():
    with pytest.raises(ConvStudioError, match=r"3 input channels.*has 1"):
        prepare_image(np.ones((3, 2, 2), np.float32), 1, 2, 2, normalize="imagenet")


def test_custom_normalization_broadcasts_a_single_value():
    image = np.full((1, 2, 2), 0.75, dtype=np.float32)
    out = prepare_image(image, 3, 2, 2, normalize=([0.5], [0.25]))
    np.testing.assert_allclose(out, 1.0)
    out = prepare_image(image, 3, 2, 2, normalize=((0.5, 0.25, 0.0), (0.25, 0.5, 1.0)))
    np.testing.assert_allclose(out[:, 0, 0], [1.0, 1.0, 0.75])


@pytest.mark.parametrize(
    "normalize, message",
    [
        ("zscore", "unknown normalization 'zscore'"),
        (([0.5, 0.5], [1, 1]), "mean needs 1 or 3"),
        (([0.5], [0.0]), "std must be positive"),
        ((0.5,), "pair"),
        (([0.5], [float("nan")]), "finite"),
    ],
)
def test_bad_normalization_is_a_clear_error(normalize, message):
    with pytest.raises(ConvStudioError, match=message):
        prepare_image(np.ones((3, 2, 2), np.float32), 3, 2, 2, normalize=normalize)


def test_bad_input_size_is_a_clear_error():
    with pytest.raises(ConvStudioError, match="height must be at least 1"):
        prepare_image(np.ones((3, 2, 2), np.float32), 3, 0, 2)


@settings(max_examples=60, deadline=None)
@given(
    source_channels=st.sampled_from([1, 3]),
    source_size=st.tuples(st.integers(1, 24), st.integers(1, 24)),
    channels=st.integers(1, 5),
    size=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    seed=st.integers(0, 2**16),
)
def test_prepared_images_have_the_input_shape_and_stay_in_unit_range(
    source_channels, source_size, channels, size, seed
):
    image = np.random.default_rng(seed).random((source_channels, *source_size), dtype=np.float32)
    out = prepare_image(image, channels, *size)
    assert out.shape == (channels, *size) and out.dtype == np.float32
    assert out.flags.c_contiguous
    assert out.min() >= 0.0 and out.max() <= 1.0


# --------------------------------------------------------------------------- batches and previews


def test_to_batch_adds_a_contiguous_float32_batch_axis():
    image = SAMPLES["scene"](16, 16)[:, ::2, ::2]
    batch = to_batch(image)
    assert batch.shape == (1, 3, 8, 8) and batch.dtype == np.float32
    assert batch.flags.c_contiguous
    assert np.array_equal(batch[0], image)


def test_preview_of_rgb_and_gray_images():
    rgb = np.zeros((3, 2, 2), dtype=np.float32)
    rgb[0] = 1.0
    rgb[1, 0, 0] = 0.5
    preview = image_to_uint8_rgb(rgb)
    assert preview.shape == (2, 2, 3) and preview.dtype == np.uint8
    assert tuple(preview[0, 0]) == (255, 128, 0)
    gray_preview = image_to_uint8_rgb(np.full((1, 2, 3), 0.2, np.float32))
    assert gray_preview.shape == (2, 3, 3) and np.all(gray_preview == 51)


def test_preview_clips_out_of_range_values():
    values = np.array([[[-1.0, 0.0, 1.0, 2.0, np.nan]]], dtype=np.float32)
    preview = image_to_uint8_rgb(values)
    assert preview[0, :, 0].tolist() == [0, 0, 255, 255, 0]


def test_preview_round_trips_through_a_png(tmp_path):
    scene = SAMPLES["scene"](24, 32)
    path = tmp_path / "preview.png"
    Image.fromarray(image_to_uint8_rgb(scene)).save(path)
    np.testing.assert_allclose(load_image_source(str(path)), scene, atol=0.5 / 255 + 1e-6)


@pytest.mark.parametrize("name", ["paint-circle", "paint-square", "paint-triangle"])
def test_paint_samples_are_black_outlines_on_white(name):
    image = SAMPLES[name](64, 64)
    assert np.array_equal(image[0], image[1]) and np.array_equal(image[0], image[2])
    assert set(np.unique(image)) == {0.0, 1.0}  # drawn without anti-aliasing, as a paint program's pen
    assert image[0, 0, 0] == 1.0 and image[0, 32, 32] == 1.0  # white paper, hollow inside
    assert 0.02 < np.mean(image[0] == 0.0) < 0.15  # a thin outline, not a filled shape


def test_paint_samples_ink_follows_their_perimeter():
    """A 2-pixel pen leaves about 2 × perimeter dark pixels: circle r = 19.2, square side 33.3, triangle r = 21.8."""
    perimeter = {"circle": 2 * np.pi * 0.3 * 64, "square": 4 * 0.52 * 64, "triangle": 3 * np.sqrt(3) * 0.34 * 64}
    for name, length in perimeter.items():
        ink = np.sum(SAMPLES[f"paint-{name}"](64, 64)[0] == 0.0)
        assert ink == pytest.approx(2 * length, rel=0.12), name
