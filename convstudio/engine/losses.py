"""Training losses and accuracy on a network's class scores (NumPy, float32, no Qt).

Each loss returns the batch's mean loss and its gradient with respect to the scores,
the starting point of backpropagation. Scores are (N, K) or, for a fully convolutional
head, (N, K, 1, 1); the gradient has the shape the scores came in.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..wording import a
from ..errors import ConvStudioError
from ..layers import fmt_shape


def _class_scores(scores: np.ndarray, what: str) -> np.ndarray:
    """(N, K) view of (N, K) or (N, K, 1, 1) scores; anything else is refused with its shape."""
    scores = np.asarray(scores)
    if scores.ndim == 2 or (scores.ndim == 4 and scores.shape[2:] == (1, 1)):
        if scores.shape[0] == 0 or scores.shape[1] == 0:
            raise ConvStudioError(f"{what} {fmt_shape(scores.shape)} hold no samples or no classes")
        return scores.reshape(scores.shape[0], scores.shape[1])
    raise ConvStudioError(f"{what} must be N×K or N×K×1×1 class scores, not {fmt_shape(scores.shape)}")


def _class_labels(labels: np.ndarray, n: int, k: int) -> np.ndarray:
    """Integer labels (N,) each in [0, K); the first bad one is named with K."""
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ConvStudioError(f"labels must be integer class indices, not {labels.dtype}")
    if labels.shape != (n,):
        raise ConvStudioError(f"{n} samples need {n} labels, got labels of shape {fmt_shape(labels.shape)}")
    bad = (labels < 0) | (labels >= k)
    if bad.any():
        raise ConvStudioError(f"label {int(labels[np.argmax(bad)])} is not a class of {a(f'{k}-class')} output "
                              f"(labels run from 0 to {k - 1})")
    return labels.astype(np.intp, copy=False)


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy, mean over the batch, and dL/dlogits = (softmax − onehot) / N.

    Shifting by each row's maximum (log-sum-exp) keeps huge logits finite."""
    z = _class_scores(logits, "logits").astype(np.float32, copy=False)
    n, k = z.shape
    idx = _class_labels(labels, n, k)
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    log_p = shifted[rows, idx] - np.log(total[:, 0])
    loss = -float(np.mean(log_p, dtype=np.float64))
    grad = exp
    grad /= total
    grad[rows, idx] -= np.float32(1.0)
    grad *= np.float32(1.0 / n)
    return loss, grad.reshape(np.shape(logits))


def mse(outputs: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over every element (torch's MSELoss 'mean') and its gradient.

    Targets have the outputs' shape, or are integer labels (N,) that stand for one-hot rows."""
    out = np.asarray(outputs, dtype=np.float32)
    targets = np.asarray(targets)
    if targets.shape == out.shape:
        t = targets.astype(np.float32, copy=False)
    elif targets.ndim == 1 and np.issubdtype(targets.dtype, np.integer):
        scores = _class_scores(out, "outputs")
        t = np.zeros_like(scores)
        t[np.arange(scores.shape[0]), _class_labels(targets, *scores.shape)] = 1.0
        t = t.reshape(out.shape)
    else:
        raise ConvStudioError(f"targets of shape {fmt_shape(targets.shape)} do not match outputs of shape "
                              f"{fmt_shape(out.shape)} (give the same shape, or integer labels N)")
    if out.size == 0:
        raise ConvStudioError("outputs hold no values")
    diff = out - t
    loss = float(np.mean(np.square(diff), dtype=np.float64))
    diff *= np.float32(2.0 / out.size)
    return loss, diff


LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]] = {
    "cross_entropy": cross_entropy,
    "mse": mse,
}


def accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of samples whose highest class score is their label (first maximum on ties)."""
    scores = _class_scores(outputs, "outputs")
    idx = _class_labels(labels, *scores.shape)
    return float(np.mean(scores.argmax(axis=1) == idx))
