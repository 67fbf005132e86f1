"""A labelled image set split for training: the arrays, their class names, and how they were made."""
from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ...errors import ConvStudioError


@dataclass
class Dataset:
    """Images (N, C, H, W) float32 and classes (N,) int64, split into training and validation parts."""

    name: str  # "shapes", "digits" or the folder's name
    labels: list[str]  # class names, index = class id
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    pipeline: str  # one line: how the images were prepared
    warnings: list[str] = field(default_factory=list)  # e.g. skipped files, each naming the file

    def counts(self) -> dict[str, tuple[int, int]]:
        """Class name → (training images, validation images)."""
        k = len(self.labels)
        train = np.bincount(self.y_train, minlength=k)
        val = np.bincount(self.y_val, minlength=k)
        return {label: (int(train[i]), int(val[i])) for i, label in enumerate(self.labels)}

    def batches(self, batch_size: int, rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One epoch of training batches in an order drawn from `rng`; the last batch may be short."""
        size = operator.index(batch_size)
        if size < 1:
            raise ConvStudioError(f"batch size must be at least 1, got {size}")
        order = rng.permutation(len(self.y_train))
        for start in range(0, len(order), size):
            pick = order[start:start + size]
            yield self.x_train[pick], self.y_train[pick]

    def samples(self, per_class: int) -> list[tuple[np.ndarray, int]]:
        """Up to `per_class` validation images (C, H, W) of each class, class by class, in a fixed order."""
        per_class = operator.index(per_class)
        out: list[tuple[np.ndarray, int]] = []
        for k in range(len(self.labels)):
            for i in np.flatnonzero(self.y_val == k)[:max(per_class, 0)]:
                out.append((self.x_val[i], k))
        return out


def stratified_split(classes: np.ndarray, val_fraction: float, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(training indices, validation indices): each class keeps the fraction, training in a shuffled order.

    A class of two or more images gives at least one to each side, so every class is both learned and measured.
    """
    train, val = [], []
    for k in np.unique(classes):
        members = rng.permutation(np.flatnonzero(classes == k))
        n_val = int(round(len(members) * val_fraction))
        if len(members) >= 2:
            n_val = min(max(n_val, 1), len(members) - 1)
        val.append(members[:n_val])
        train.append(members[n_val:])
    return rng.permutation(np.concatenate(train)), np.sort(np.concatenate(val))


def stratified_subset(classes: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of `count` items whose classes keep their proportions (largest remainders)."""
    values, sizes = np.unique(classes, return_counts=True)
    share = sizes * count / len(classes)
    take = np.floor(share).astype(int)
    for i in np.argsort(-(share - take), kind="stable")[:count - take.sum()]:
        take[i] += 1
    picked = [rng.permutation(np.flatnonzero(classes == k))[:t] for k, t in zip(values, take, strict=True)]
    return np.sort(np.concatenate(picked))
