"""Offline datasets for training: `shapes` (drawn here), `digits` (scikit-learn's bundled set) or a folder.

Every source ends as the same `Dataset`: float32 (N, C, H, W) images prepared for the network's Input by
the same pipeline as `--image` (engine.images), int64 classes, class names, and a seeded stratified
train/validation split. The arrays live in memory; a set that would not fit is refused before it is made.

    data = load_dataset("shapes", shape=(3, 64, 64), seed=0)
    data.counts()          # {"circle": (960, 240), "square": (960, 240), "triangle": (960, 240)}
"""
from __future__ import annotations

import math
import numbers
import operator
from pathlib import Path

import numpy as np

from ..errors import ConvStudioError, ResourceLimitError
from . import images
from .data import digits, folder, shapes
from .data.dataset import Dataset, stratified_split, stratified_subset
from .memory import default_limit, human

__all__ = ["Dataset", "dataset_names", "load_dataset"]

BUILT_IN = ("shapes", "digits")
MIN_SIDE, MAX_SIDE, MAX_CHANNELS = 8, 1024, 64
SHAPES_DEFAULT_COUNT = shapes.DEFAULT_COUNT


def dataset_names() -> list[str]:
    """Built-in datasets usable here: "shapes" always, "digits" when scikit-learn is installed."""
    return ["shapes"] + (["digits"] if digits.available() else [])


def load_dataset(source: str, shape: tuple[int, int, int] = (3, 64, 64), seed: int = 0, *,
                 count: int | None = None, val_fraction: float = 0.2,
                 normalize: images.Normalization = None) -> Dataset:
    """The dataset `source` ("shapes", "digits" or a folder of class subfolders) at C×H×W `shape`.

    A folder called "shapes" or "digits" is reached with a path such as "./shapes".
    `count` limits the number of images (shapes: how many to draw, default 3,600; digits and folders: a
    seeded subset keeping the class proportions). `val_fraction` of each class goes to validation.
    `normalize` is applied after scaling to [0, 1], as `prepare_image` does ("imagenet" or (mean, std)).
    Raises ConvStudioError with one line for anything the caller can fix.
    """
    channels, height, width = _check_shape(shape)
    seed = _check_seed(seed)
    fraction = _check_fraction(val_fraction)
    images.normalize_images(np.zeros((channels, 1, 1), np.float32), normalize)  # refuse a bad spec up front
    split_rng = np.random.default_rng([seed, 1])
    name = str(source)
    if name == "shapes":
        return _shapes(channels, height, width, seed, count, fraction, normalize, split_rng)
    if name == "digits":
        return _digits(channels, height, width, count, fraction, normalize, split_rng)
    path = Path(name).expanduser()
    if path.is_dir():
        return _folder(path, channels, height, width, count, fraction, normalize, split_rng)
    what = "is a file, not a folder" if path.exists() else "is not a built-in dataset or an existing folder"
    raise ConvStudioError(f"dataset {name!r} {what}; use {_accepted()}")


# -- sources ---------------------------------------------------------------------------------------
def _shapes(channels, height, width, seed, count, fraction, normalize, rng) -> Dataset:
    count = SHAPES_DEFAULT_COUNT if count is None else _check_count(count, 2 * len(shapes.CLASSES), None, "shapes")
    _check_memory(count, channels, height, width)
    classes = shapes.balanced_classes(count, seed)
    train, val = stratified_split(classes, fraction, rng)
    y = classes[np.concatenate([train, val])]
    x = images.normalize_images(shapes.generate(y, channels, height, width, seed), normalize)
    pipeline = (f"drawn directly at {channels}×{height}×{width} (no resizing), {_channel_rule('rgb', channels)}"
                f"{_normalize_text(normalize)}")
    n = len(train)  # drawn training part first: both parts are views of one array
    return Dataset("shapes", list(shapes.CLASSES), x[:n], y[:n], x[n:], y[n:], pipeline, [])


def _digits(channels, height, width, count, fraction, normalize, rng) -> Dataset:
    raw, y = digits.load()
    if count is not None:
        keep = stratified_subset(y, _check_count(count, 2 * len(digits.LABELS), len(y), "digits"), rng)
        raw, y = raw[keep], y[keep]
    _check_memory(len(y), channels, height, width)
    x = _prepare_all(raw, channels, height, width, normalize)
    pipeline = (f"8×8 gray digits (0–16 → [0, 1]) stretched to {height}×{width} by bilinear filtering as --image, "
                f"{_channel_rule('gray', channels)}{_normalize_text(normalize)}")
    return _split("digits", list(digits.LABELS), x, y, fraction, rng, pipeline, [])


def _folder(root, channels, height, width, count, fraction, normalize, rng) -> Dataset:
    try:
        labels, files, warnings = folder.find_images(root)
    except OSError as exc:
        raise ConvStudioError(f"cannot read the dataset folder {root}: {exc.strerror or exc}") from None
    _check_classes(root, labels)
    classes = np.array([k for _, k in files], dtype=np.int64)
    if count is not None:
        keep = stratified_subset(classes, _check_count(count, 2 * len(labels), len(files), str(root)), rng)
        files = [files[i] for i in keep]
    _check_memory(len(files), channels, height, width)
    x = np.empty((len(files), channels, height, width), dtype=np.float32)
    y: list[int] = []
    for path, k in files:
        try:
            original = images.load_image_source(path)
        except ConvStudioError as exc:
            warnings.append(f"skipped: {exc}")
            continue
        x[len(y)] = images.prepare_image(original, channels, height, width, normalize=normalize)
        y.append(k)
    found = sorted(set(y))
    if len(found) < len(labels):  # a class whose every file was broken: drop it and renumber the rest
        warnings += [f"class {labels[k]!r} has no readable image; it is left out"
                     for k in range(len(labels)) if k not in found]
        labels = [labels[k] for k in found]
        _check_classes(root, labels)
        y = [found.index(k) for k in y]
    pipeline = (f"image files decoded as --image (EXIF orientation, transparency over white), stretched to "
                f"{height}×{width} by bilinear filtering, {_channel_rule('file', channels)}{_normalize_text(normalize)}")
    return _split(root.name or str(root), labels, x[:len(y)], np.array(y, dtype=np.int64), fraction, rng,
                  pipeline, warnings)


def _prepare_all(raw: np.ndarray, channels: int, height: int, width: int, normalize) -> np.ndarray:
    out = np.empty((len(raw), channels, height, width), dtype=np.float32)
    for i, image in enumerate(raw):
        out[i] = images.prepare_image(image, channels, height, width, normalize=normalize)
    return out


def _split(name, labels, x, y, fraction, rng, pipeline, warnings) -> Dataset:
    train, val = stratified_split(y, fraction, rng)
    return Dataset(name, labels, np.ascontiguousarray(x[train]), y[train], np.ascontiguousarray(x[val]), y[val],
                   pipeline, warnings)


# -- descriptions ----------------------------------------------------------------------------------
def _channel_rule(source: str, channels: int) -> str:
    """The channel step of the image pipeline, in words, for an RGB, gray or mixed ("file") source."""
    if channels == 1:
        return {"gray": "1 gray channel", "rgb": "gray by BT.601 luma of the RGB drawing"}.get(
            source, "colour files to gray by BT.601 luma")
    if channels == 3:
        return {"gray": "gray copied to 3 channels", "rgb": "RGB"}.get(source, "RGB (gray files copied to 3 channels)")
    return f"{channels} channels, channel k = source channel k mod the source's channel count"


def _normalize_text(normalize) -> str:
    if normalize is None:
        return "; values in [0, 1]"
    if normalize == "imagenet":
        return "; scaled to [0, 1], then normalized with ImageNet's mean and std"
    mean, std = normalize
    return f"; scaled to [0, 1], then normalized (x − {mean}) / {std}"


def _accepted() -> str:
    built_in = "shapes, digits" if digits.available() else "shapes, digits (after pip install -e '.[datasets]')"
    return f"{built_in} or a folder with one subfolder of PNG/JPEG images per class"


# -- checks ----------------------------------------------------------------------------------------
def _check_shape(shape) -> tuple[int, int, int]:
    accepted = (f"shape must be (channels, height, width) with channels 1–{MAX_CHANNELS} and height and width "
                f"{MIN_SIDE}–{MAX_SIDE}")
    try:
        values = tuple(operator.index(v) for v in shape)
    except TypeError:
        raise ConvStudioError(f"{accepted}, got {shape!r}") from None
    if (len(values) != 3 or not 1 <= values[0] <= MAX_CHANNELS
            or not all(MIN_SIDE <= v <= MAX_SIDE for v in values[1:])):
        raise ConvStudioError(f"{accepted}, got {shape!r}")
    return values  # type: ignore[return-value]


def _check_seed(seed) -> int:
    try:
        value = operator.index(seed)
    except TypeError:
        value = -1
    if value < 0:
        raise ConvStudioError(f"seed must be a whole number ≥ 0, got {seed!r}")
    return value


def _check_fraction(fraction) -> float:
    if (isinstance(fraction, bool) or not isinstance(fraction, numbers.Real)
            or not math.isfinite(fraction) or not 0 < fraction < 1):
        raise ConvStudioError(f"val_fraction must be a number between 0 and 1 (exclusive), e.g. 0.2, got {fraction!r}")
    return float(fraction)


def _check_count(count, least: int, most: int | None, name: str) -> int:
    try:
        value = operator.index(count)
    except TypeError:
        value = -1
    if value < least or (most is not None and value > most):
        allowed = f"from {least} to {most:,}" if most is not None else f"of at least {least}"
        raise ConvStudioError(f"count for {name} must be a whole number {allowed} (2 images per class at least), "
                              f"got {count!r}")
    return value


def _check_classes(root: Path, labels: list[str]) -> None:
    if len(labels) < 2:
        found = f"found {len(labels)}" + (f" ({labels[0]})" if labels else "")
        raise ConvStudioError(f"dataset folder {root}: needs at least 2 class subfolders holding PNG/JPEG images, "
                              f"{found}")


def _check_memory(count: int, channels: int, height: int, width: int) -> None:
    need = count * channels * height * width * 4
    limit = default_limit()
    if need > limit:
        raise ResourceLimitError(f"the dataset needs about {human(need)} ({count:,} images of "
                                 f"{channels}×{height}×{width} float32) but the limit is {human(limit)}; "
                                 "use fewer images (count) or a smaller shape")
