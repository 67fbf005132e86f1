"""Class scores of a fully convolutional network: one map per class, or one bar per class at 1×1.

A network ending in K×1×1 classifies into K classes (the seed's dog/cat/horse with 1×1×3);
on a larger image the same network ends in K×h×w, one score vector per image region.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...errors import ConvStudioError


@dataclass(frozen=True)
class ClassScore:
    index: int
    label: str
    score: float
    probability: float


@dataclass(frozen=True)
class ScoreMaps:
    scores: np.ndarray  # (N, classes, h, w)
    probabilities: np.ndarray  # (N, classes, h, w), softmax over classes at each location
    best: np.ndarray  # (N, h, w) index of the highest-scoring class at each location

    @property
    def classes(self) -> int:
        return self.scores.shape[1]

    @property
    def map_size(self) -> tuple[int, int]:
        return self.scores.shape[2], self.scores.shape[3]

    def ranking(self, batch: int = 0, row: int = 0, col: int = 0, top: int | None = None,
                labels: Sequence[str] | None = None) -> list[ClassScore]:
        """Classes at one location sorted by score, highest first (a bar chart at 1×1)."""
        s = self.scores[batch, :, row, col]
        p = self.probabilities[batch, :, row, col]
        order = np.argsort(-s, kind="stable")[:top]
        name = (lambda i: labels[i]) if labels is not None else (lambda i: f"class {i}")
        return [ClassScore(int(i), name(i), float(s[i]), float(p[i])) for i in order]


def score_maps(activation: np.ndarray, probabilities: bool = False) -> ScoreMaps:
    """Score maps from a run's last activation, (N, classes, h, w) or (N, classes).

    Set `probabilities` when the network already ends in Softmax, so it is not applied twice.
    """
    a = np.asarray(activation)
    if a.ndim == 2:
        a = a[:, :, None, None]
    if a.ndim != 4:
        shape = "×".join(map(str, a.shape))
        raise ConvStudioError(f"class scores need an N×classes×h×w or N×classes output, got {shape}")
    probs = a.astype(np.float32) if probabilities else _softmax(a)
    return ScoreMaps(a, probs, np.argmax(a, axis=1))


def _softmax(a: np.ndarray) -> np.ndarray:
    z = a.astype(np.float64) - a.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
