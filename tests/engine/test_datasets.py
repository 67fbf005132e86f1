"""Offline datasets: the drawn shapes, scikit-learn's digits and image folders, split and batched."""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from PIL import Image

from convstudio.engine import images
from convstudio.engine.data import digits as digits_source
from convstudio.engine.data import shapes
from convstudio.engine.datasets import Dataset, dataset_names, load_dataset
from convstudio.errors import ConvStudioError

SMALL = dict(shape=(3, 32, 32), count=120)


# -- shapes ----------------------------------------------------------------------------------------
def test_shapes_is_deterministic_for_a_seed_and_differs_between_seeds():
    a, b = load_dataset("shapes", seed=3, **SMALL), load_dataset("shapes", seed=3, **SMALL)
    assert a.x_train.tobytes() == b.x_train.tobytes() and a.x_val.tobytes() == b.x_val.tobytes()
    assert np.array_equal(a.y_train, b.y_train) and np.array_equal(a.y_val, b.y_val)
    c = load_dataset("shapes", seed=4, **SMALL)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("shape", [(3, 64, 64), (1, 28, 28), (3, 30, 50), (4, 16, 16)])
def test_shapes_arrays_have_the_promised_layout(shape):
    data = load_dataset("shapes", shape=shape, count=60)
    assert data.name == "shapes"
    assert data.labels == ["circle", "square", "triangle"]
    for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.shape == (len(y), *shape) and x.flags.c_contiguous
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert set(np.unique(y)) <= {0, 1, 2}
    assert len(data.y_train) + len(data.y_val) == 60
    assert data.warnings == []
    assert f"{shape[0]}×{shape[1]}×{shape[2]}" in data.pipeline


def test_shapes_channels_follow_the_image_pipeline():
    rgb = load_dataset("shapes", shape=(3, 24, 24), count=30)
    gray = load_dataset("shapes", shape=(1, 24, 24), count=30)
    four = load_dataset("shapes", shape=(4, 24, 24), count=30)
    luma = np.tensordot(np.asarray(images.LUMA_WEIGHTS, np.float32), rgb.x_train, axes=([0], [1]))
    np.testing.assert_allclose(gray.x_train[:, 0], luma, atol=1e-6)
    assert np.array_equal(four.x_train[:, [0, 1, 2, 0]], four.x_train)
    assert np.array_equal(four.x_train[:, :3], rgb.x_train)
    assert "BT.601" in gray.pipeline


def test_default_shapes_set_is_balanced_and_split_by_class():
    data = load_dataset("shapes")
    assert data.counts() == {"circle": (960, 240), "square": (960, 240), "triangle": (960, 240)}
    assert data.x_train.shape == (2880, 3, 64, 64)


def test_split_keeps_the_fraction_per_class_and_shares_no_image():
    data = load_dataset("shapes", shape=(1, 16, 16), count=301, val_fraction=0.3, seed=7)
    per_class = np.bincount(np.arange(301) % 3)
    for (train, val), n in zip(data.counts().values(), per_class, strict=True):
        assert train + val == n and val == round(n * 0.3)
    train_images = {x.tobytes() for x in data.x_train}
    assert len(train_images) == len(data.x_train)
    assert not train_images & {x.tobytes() for x in data.x_val}


def test_normalization_is_the_pipelines():
    plain = load_dataset("shapes", shape=(3, 16, 16), count=30)
    normed = load_dataset("shapes", shape=(3, 16, 16), count=30, normalize="imagenet")
    mean = np.asarray(images.IMAGENET_MEAN).reshape(3, 1, 1)
    std = np.asarray(images.IMAGENET_STD).reshape(3, 1, 1)
    np.testing.assert_allclose(normed.x_train, (plain.x_train - mean) / std, rtol=1e-6, atol=1e-6)
    assert normed.x_train.dtype == np.float32
    assert "ImageNet" in normed.pipeline


def _scene(cls: int, outlined: bool, radius: float = 20.0, size: int = 96, angle: float = 0.0) -> np.ndarray:
    """Coverage of one shape drawn by the generator with its randomness pinned down."""
    rng = np.random.default_rng(0)
    p = shapes._draw_parameters(rng, np.array([cls]), size, size)
    p.update(radius=np.array([radius]), stroke=np.array([2.0]), outlined=np.array([outlined]),
             cy=np.array([size / 2]), cx=np.array([size / 2]), angle=np.array([angle]), aspect=np.array([1.0]),
             jitter=np.zeros((1, 3)), spread=np.ones((1, 3)), fg=np.ones((1, 3)), bg=np.zeros((1, 3)),
             tilt=np.zeros((1, 3)), noise=np.zeros(1))
    ys = np.arange(size, dtype=np.float32)[:, None] + np.float32(0.5)
    xs = np.arange(size, dtype=np.float32)[None, :] + np.float32(0.5)
    return shapes._render(p, ys, xs, rng)[0, 0]


@pytest.mark.parametrize("angle", [0.0, 0.4, 1.1])
def test_each_class_draws_its_shape(angle):
    """Filled areas match the geometry: disc πr², square (1.6r)², equilateral triangle (3√3/4)r²."""
    r = 20.0
    areas = [_scene(k, False, r, angle=angle).sum() for k in range(3)]
    expected = [math.pi * r * r, (1.6 * r) ** 2, 3 * math.sqrt(3) / 4 * r * r]
    np.testing.assert_allclose(areas, expected, rtol=0.01)
    # an outline covers about perimeter × stroke (2 px): a ring, not a filled shape
    ring = _scene(0, True, r, angle=angle).sum()
    assert ring == pytest.approx(2 * math.pi * r * 2, rel=0.03)


def test_shapes_include_dark_strokes_on_light_paper_and_outlines():
    data = load_dataset("shapes", shape=(1, 64, 64), count=300)
    x = np.concatenate([data.x_train, data.x_val])[:, 0]
    corners = np.median(np.stack([x[:, 0, 0], x[:, 0, -1], x[:, -1, 0], x[:, -1, -1]]), axis=0)
    light = corners > 0.75
    assert light.mean() > 0.25
    darkest = x[light].reshape(light.sum(), -1).min(axis=1)
    assert np.mean(darkest < 0.4) > 0.9  # on light paper the shapes are dark
    centre = x[:, 16:48, 16:48].reshape(len(x), -1)
    assert np.isclose(centre.std(axis=1), 0, atol=0.1).sum() < len(x)  # not blank


def test_shapes_generation_scales_with_size():
    classes = shapes.balanced_classes(9, seed=1)
    assert np.bincount(classes).tolist() == [3, 3, 3]
    x = shapes.generate(classes, 3, 200, 120, seed=1)
    assert x.shape == (9, 3, 200, 120) and x.dtype == np.float32


# -- Dataset methods -------------------------------------------------------------------------------
def test_batches_cover_an_epoch_once_in_a_seeded_order():
    data = load_dataset("shapes", shape=(1, 8, 8), count=50)
    n = len(data.y_train)
    batches = list(data.batches(16, np.random.default_rng(5)))
    assert [len(y) for _, y in batches] == [16] * (n // 16) + ([n % 16] if n % 16 else [])
    seen = np.concatenate([x for x, _ in batches])
    assert sorted(map(bytes, seen)) == sorted(map(bytes, data.x_train))
    again = list(data.batches(16, np.random.default_rng(5)))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again, strict=True))
    other = np.concatenate([y for _, y in data.batches(16, np.random.default_rng(6))])
    assert not np.array_equal(other, np.concatenate([y for _, y in batches]))
    with pytest.raises(ConvStudioError, match="batch size must be at least 1, got 0"):
        next(data.batches(0, np.random.default_rng(0)))


def test_samples_give_validation_images_class_by_class():
    data = load_dataset("shapes", shape=(3, 16, 16), count=60)
    picked = data.samples(2)
    assert [k for _, k in picked] == [0, 0, 1, 1, 2, 2]
    for image, k in picked:
        assert image.shape == (3, 16, 16)
        match = [i for i, x in enumerate(data.x_val) if np.array_equal(x, image)]
        assert match and data.y_val[match[0]] == k


def test_counts_of_a_hand_made_dataset():
    x = np.zeros((5, 1, 8, 8), np.float32)
    data = Dataset("d", ["a", "b"], x[:3], np.array([0, 1, 1]), x[3:], np.array([1, 1]), "none", [])
    assert data.counts() == {"a": (1, 0), "b": (2, 2)}


# -- digits ----------------------------------------------------------------------------------------
def test_digits_go_through_the_image_pipeline():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    data = load_dataset("digits", shape=(3, 16, 16), seed=2)
    assert data.labels == [str(d) for d in range(10)]
    assert sum(t + v for t, v in data.counts().values()) == 1797
    assert data.x_train.shape[1:] == (3, 16, 16) and data.x_train.dtype == np.float32
    raw = load_digits().images.astype(np.float32) / 16
    expected = {images.prepare_image(im[None], 3, 16, 16).tobytes() for im in raw[:40]}
    got = {x.tobytes() for x in np.concatenate([data.x_train, data.x_val])}
    assert expected <= got
    assert "digits" in dataset_names()


def test_digits_count_takes_a_stratified_subset():
    pytest.importorskip("sklearn")
    data = load_dataset("digits", shape=(1, 8, 8), count=200)
    totals = [t + v for t, v in data.counts().values()]
    assert sum(totals) == 200 and min(totals) >= 19 and max(totals) <= 21


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setattr(digits_source, "available", lambda: False)
    with pytest.raises(ConvStudioError) as e:
        load_dataset("digits")
    assert "pip install -e '.[datasets]'" in str(e.value) and "\n" not in str(e.value)
    assert dataset_names() == ["shapes"]
    with pytest.raises(ConvStudioError, match=r"use shapes, digits \(after pip install -e '\.\[datasets\]'\) or a folder"):
        load_dataset("nope")


# -- folders ---------------------------------------------------------------------------------------
def _png(path, colour, size=(20, 14), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


def _folder(tmp_path):
    root = tmp_path / "pets"
    for i in range(4):
        _png(root / "dog" / f"d{i}.png", (200, 40 * i, 10))
        _png(root / "cat" / f"c{i}.jpg", (10, 40 * i, 200))
    _png(root / "cat" / "more" / "gray.png", 128, mode="L")
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "dog" / "notes.txt").write_text("not an image")
    _png(root / "dog" / ".hidden.png", (0, 0, 0))
    return root


def test_folder_classes_come_from_sorted_subfolders_and_broken_files_are_skipped(tmp_path):
    root = _folder(tmp_path)
    data = load_dataset(str(root), shape=(3, 12, 12), val_fraction=0.25)
    assert data.name == "pets" and data.labels == ["cat", "dog"]
    assert data.counts() == {"cat": (4, 1), "dog": (3, 1)}
    assert len(data.warnings) == 1 and "broken.png" in data.warnings[0]
    assert "bilinear" in data.pipeline
    expected = images.prepare_image(images.load_image_source(root / "cat" / "more" / "gray.png"), 3, 12, 12)
    assert any(np.array_equal(x, expected) for x in np.concatenate([data.x_train, data.x_val]))


def test_folder_to_one_channel_uses_luma(tmp_path):
    root = _folder(tmp_path)
    data = load_dataset(root, shape=(1, 8, 8))
    file = images.load_image_source(root / "dog" / "d3.png")
    expected = images.prepare_image(file, 1, 8, 8)
    assert any(np.array_equal(x, expected) for x in np.concatenate([data.x_train, data.x_val]))


def test_folder_count_and_a_class_with_only_broken_files(tmp_path):
    root = _folder(tmp_path)
    (root / "zebra").mkdir()
    (root / "zebra" / "z.png").write_bytes(b"nothing")
    (root / "empty").mkdir()
    data = load_dataset(root, shape=(3, 8, 8))
    assert data.labels == ["cat", "dog"]
    assert any("empty" in w and "left out" in w for w in data.warnings)
    assert any("z.png" in w for w in data.warnings) and any("'zebra'" in w for w in data.warnings)
    small = load_dataset(root, shape=(3, 8, 8), count=6)
    assert sum(t + v for t, v in small.counts().values()) <= 6


@pytest.mark.parametrize("make, message", [
    (lambda r: r.mkdir(), "needs at least 2 class subfolders holding PNG/JPEG images, found 0"),
    (lambda r: _png(r / "only" / "a.png", (1, 2, 3)), "found 1 (only)"),
    (lambda r: (r / "a").mkdir(parents=True) or (r / "b").mkdir(), "found 0"),
])
def test_folders_without_two_classes_are_refused(tmp_path, make, message):
    root = tmp_path / "data"
    make(root)
    with pytest.raises(ConvStudioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dataset(root)


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    (dict(source="imagenet"), "dataset 'imagenet' is not a built-in dataset or an existing folder; use shapes"),
    (dict(shape=(3, 4, 4)), "shape must be (channels, height, width) with channels 1–64 and height and width 8–1024"),
    (dict(shape=(0, 64, 64)), "got (0, 64, 64)"),
    (dict(shape=(3, 64)), "got (3, 64)"),
    (dict(shape=(3, 64.5, 64)), "got (3, 64.5, 64)"),
    (dict(shape="3,64,64"), "got '3,64,64'"),
    (dict(val_fraction=0), "val_fraction must be a number between 0 and 1 (exclusive), e.g. 0.2, got 0"),
    (dict(val_fraction=1.0), "got 1.0"),
    (dict(val_fraction=float("nan")), "got nan"),
    (dict(val_fraction="0.2"), "got '0.2'"),
    (dict(count=5), "count for shapes must be a whole number of at least 6 (2 images per class at least), got 5"),
    (dict(count=2.5), "got 2.5"),
    (dict(seed=-1), "seed must be a whole number ≥ 0, got -1"),
    (dict(normalize="bogus"), "unknown normalization 'bogus'"),
])
def test_bad_arguments_are_one_clear_line(kwargs, message):
    kwargs = {"source": "shapes", **kwargs}
    with pytest.raises(ConvStudioError) as e:
        load_dataset(**kwargs)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_a_file_is_not_a_dataset(tmp_path):
    path = _png(tmp_path / "one.png", (1, 2, 3))
    with pytest.raises(ConvStudioError, match="is a file, not a folder; use shapes"):
        load_dataset(str(path))


def test_a_dataset_too_large_for_memory_is_refused_before_it_is_made(monkeypatch):
    import convstudio.engine.datasets as module

    monkeypatch.setattr(module, "default_limit", lambda: 10 * 1024 * 1024)
    with pytest.raises(ConvStudioError, match=r"the dataset needs about 46\.9 MB \(1,000 images of 3×64×64"):
        load_dataset("shapes", count=1000)
