"""The training loop: batches of a dataset through gradients() and an optimizer, one step at a time.

`Trainer` is the loop as an object a window can drive (a step, a pause, a learning rate
changed between batches, a stop that keeps the last complete weights); `train()` runs it
to the end for the command line and scripts. Nothing here is timed against a clock except
the images/s and time-left figures reported to the user.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import ConvStudioError
from ..graph import Network
from .datasets import Dataset
from .execute import run
from .gradients import check_memory, gradients, logit_node, output_node
from .infer import infer
from .labels import classes_of_shape
from .losses import LOSSES, accuracy
from .optim import Optimizer, lr_schedule, make_optimizer
from .weights import WeightSet, check_weights, init_weights

EVAL_BATCH = 64
SMOOTHING = 0.9  # exponential smoothing of the per-batch loss shown on curves


@dataclass
class TrainConfig:
    """What a user chooses before training; the defaults train TinyVGG on shapes."""

    epochs: int = 8
    batch_size: int = 32
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str | None = None
    loss: str = "cross_entropy"
    seed: int = 0

    def check(self) -> None:
        """One clear line for the first setting that cannot work."""
        if not (isinstance(self.epochs, int) and self.epochs >= 1):
            raise ConvStudioError(f"epochs must be a whole number ≥ 1, got {self.epochs}")
        if not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            raise ConvStudioError(f"batch size must be a whole number ≥ 1, got {self.batch_size}")
        if self.loss not in LOSSES:
            raise ConvStudioError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")


@dataclass
class BatchEvent:
    """What one training step reports: enough for curves, a progress bar and gradient charts."""

    epoch: int                    # 1-based
    step: int                     # 1-based, counted over the whole run
    steps_per_epoch: int
    total_steps: int
    loss: float
    accuracy: float
    smoothed_loss: float
    images_per_second: float
    seconds_left: float
    lr: float
    grad_norms: dict[str, float] = field(default_factory=dict)     # ‖dL/dW‖ per layer
    update_ratios: dict[str, float] = field(default_factory=dict)  # ‖Δw‖ / ‖w‖ per layer


@dataclass
class EpochRecord:
    """One line of the history: training figures averaged over the epoch, validation at its end."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("epoch", "train_loss", "train_accuracy", "val_loss",
                                               "val_accuracy", "seconds")}


@dataclass
class Evaluation:
    """The network on the validation set in inference mode."""

    loss: float
    accuracy: float
    predictions: np.ndarray   # (N,) predicted class per validation image
    confusion: np.ndarray     # (K, K): rows true class, columns predicted

    def misclassified(self, truth: np.ndarray) -> np.ndarray:
        return np.flatnonzero(self.predictions != truth)


@dataclass
class TrainResult:
    weights: WeightSet
    history: list[EpochRecord]
    optimizer: Optimizer
    steps: int
    cancelled: bool = False


def default_lr(optimizer: str) -> float:
    """The learning rate when none is chosen: 0.01 for SGD, 0.001 for Adam and AdamW."""
    return 0.01 if optimizer == "sgd" else 1e-3


def check_trainable(net: Network, data: Dataset) -> None:
    """Refuse, naming what to change, a network that cannot learn this dataset."""
    inputs = [n for n in net if n.type == "Input"]
    if len(inputs) != 1:
        raise ConvStudioError("training needs a network with exactly one Input layer"
                              + ("" if inputs else "; add one from the palette"))
    p = inputs[0].params
    want = (p["channels"], p["height"], p["width"])
    have = tuple(data.x_train.shape[1:])
    if want != have:
        raise ConvStudioError(f"the network's input is {'×'.join(map(str, want))} but the images are "
                              f"{'×'.join(map(str, have))}; load the dataset at the input's size")
    out = infer(net).nodes[output_node(net)].shape
    classes = classes_of_shape(out) if out is not None and (len(out) == 1 or out[1:] == (1, 1)) else None
    if classes is None:
        raise ConvStudioError(f"the network ends in {'×'.join(map(str, out or ('?',)))}, not one score per class; "
                              f"end it in {len(data.labels)} values (K×1×1 or a Dense layer of {len(data.labels)})")
    if classes != len(data.labels):
        raise ConvStudioError(f"the dataset has {len(data.labels)} classes but the network outputs {classes} "
                              f"scores; set the last layer's K to {len(data.labels)}")


class Trainer:
    """Training as a sequence of steps; `lr` may be changed between any two of them."""

    def __init__(self, net: Network, weights: WeightSet | None, data: Dataset, config: TrainConfig,
                 optimizer_state: dict | None = None, memory_limit: int | None = None):
        config.check()
        check_trainable(net, data)
        report = infer(net)
        check_memory(report, min(config.batch_size, len(data.y_train)), memory_limit, net)
        weights = init_weights(net, config.seed, report) if weights is None else weights
        check_weights(net, weights, report)
        self.net, self.data, self.config = net, data, config
        self.weights = {nid: {k: np.array(v, dtype=np.float32) for k, v in ws.items()} for nid, ws in weights.items()}
        self.optimizer = make_optimizer(config.optimizer, config.lr, **_optimizer_options(config))
        if optimizer_state:
            self.optimizer.load_state(optimizer_state)
        self.steps_per_epoch = math.ceil(len(data.y_train) / config.batch_size)
        self.total_steps = self.steps_per_epoch * config.epochs
        self._schedule = lr_schedule(config.schedule, config.lr, self.total_steps)
        self._lr_override: float | None = None
        self.step_count = 0
        self.history: list[EpochRecord] = []
        self._batches = None
        self._epoch_stats: list[tuple[float, float, int]] = []
        self._smoothed: float | None = None
        self._seconds = 0.0
        self._epoch_start = 0.0

    # -- state the window reads and sets -------------------------------------------------------
    @property
    def epoch(self) -> int:
        """The epoch the next step belongs to (1-based)."""
        return self.step_count // self.steps_per_epoch + 1

    @property
    def done(self) -> bool:
        return self.step_count >= self.total_steps

    @property
    def lr(self) -> float:
        return self._lr_override if self._lr_override is not None else self._schedule(self.step_count)

    @lr.setter
    def lr(self, value: float) -> None:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ConvStudioError(f"the learning rate must be a positive number, got {value}")
        self._lr_override = float(value)

    # -- the loop ----------------------------------------------------------------------------
    def step(self) -> BatchEvent:
        """One batch: forward, backward, optimizer step and running statistics, all or nothing."""
        if self.done:
            raise ConvStudioError("training has finished all its epochs")
        start = time.perf_counter()
        x, y = self._next_batch()
        cfg = self.config
        g = gradients(self.net, x, y, self.weights, loss=cfg.loss, training=True,
                      seed=cfg.seed * 1_000_003 + self.step_count, input_gradient=False)
        before = {nid: {k: self.weights[nid][k].copy() for k in ws} for nid, ws in g.weights.items()}
        self.optimizer.lr = self.lr
        self.optimizer.step(self.weights, g.weights)
        for nid, new in g.updates.items():
            self.weights[nid].update(new)
        self.step_count += 1
        seconds = time.perf_counter() - start
        self._seconds += seconds
        acc = accuracy(g.logits, y)
        self._epoch_stats.append((g.loss, acc, len(y)))
        self._smoothed = g.loss if self._smoothed is None else SMOOTHING * self._smoothed + (1 - SMOOTHING) * g.loss
        per_step = self._seconds / self.step_count
        return BatchEvent(
            epoch=(self.step_count - 1) // self.steps_per_epoch + 1, step=self.step_count,
            steps_per_epoch=self.steps_per_epoch, total_steps=self.total_steps, loss=g.loss, accuracy=acc,
            smoothed_loss=self._smoothed, images_per_second=len(y) / max(seconds, 1e-9),
            seconds_left=per_step * (self.total_steps - self.step_count), lr=self.optimizer.lr,
            grad_norms={nid: _norm(ws.values()) for nid, ws in g.weights.items()},
            update_ratios={nid: _norm(self.weights[nid][k] - before[nid][k] for k in ws)
                           / max(_norm(before[nid].values()), 1e-12) for nid, ws in g.weights.items()})

    @property
    def epoch_finished(self) -> bool:
        """True right after the last step of an epoch, before its record is taken."""
        return self.step_count > 0 and self.step_count % self.steps_per_epoch == 0 and self._epoch_stats != []

    def finish_epoch(self) -> tuple[EpochRecord, Evaluation]:
        """Close the epoch: average its training figures and evaluate on the validation set."""
        stats, self._epoch_stats = self._epoch_stats, []
        count = sum(n for _, _, n in stats) or 1
        evaluation = self.evaluate()
        record = EpochRecord(
            epoch=len(self.history) + 1,
            train_loss=sum(loss * n for loss, _, n in stats) / count,
            train_accuracy=sum(acc * n for _, acc, n in stats) / count,
            val_loss=evaluation.loss, val_accuracy=evaluation.accuracy,
            seconds=time.perf_counter() - self._epoch_start if self._epoch_start else self._seconds)
        self._epoch_start = time.perf_counter()
        self.history.append(record)
        return record, evaluation

    def evaluate(self, x: np.ndarray | None = None, y: np.ndarray | None = None) -> Evaluation:
        """Loss, accuracy, predictions and confusion matrix in inference mode (validation set by default)."""
        x = self.data.x_val if x is None else x
        y = self.data.y_val if y is None else y
        head = output_node(self.net)
        k = len(self.data.labels)
        losses, preds = [], []
        for start in range(0, len(y), EVAL_BATCH):
            xb, yb = x[start:start + EVAL_BATCH], y[start:start + EVAL_BATCH]
            out = run(self.net, xb, self.weights)[_loss_input(self.net, head, self.config.loss)]
            losses.append(LOSSES[self.config.loss](out, yb)[0] * len(yb))
            preds.append(out.reshape(len(yb), -1).argmax(axis=1))
        predictions = np.concatenate(preds) if preds else np.zeros(0, np.int64)
        confusion = np.zeros((k, k), np.int64)
        np.add.at(confusion, (y.astype(np.int64), predictions), 1)
        n = max(len(y), 1)
        return Evaluation(sum(losses) / n, float((predictions == y).mean()) if len(y) else 0.0, predictions,
                          confusion)

    def _next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        if self._batches is None or self.step_count % self.steps_per_epoch == 0:
            rng = np.random.default_rng([self.config.seed, self.epoch])
            self._batches = self.data.batches(self.config.batch_size, rng)
            if not self._epoch_start:
                self._epoch_start = time.perf_counter()
        return next(self._batches)


def train(net: Network, weights: WeightSet | None, data: Dataset, *, epochs: int = 8, batch_size: int = 32,
          optimizer: str = "adam", lr: float = 1e-3, seed: int = 0, schedule: str | None = None,
          momentum: float = 0.9, weight_decay: float = 0.0, loss: str = "cross_entropy",
          optimizer_state: dict | None = None, progress: Callable[[BatchEvent], None] | None = None,
          epoch_end: Callable[[EpochRecord], None] | None = None,
          cancel: Callable[[], bool] | None = None) -> TrainResult:
    """Train a copy of `weights` on `data`; the caller's arrays are never changed.

    `progress` gets a BatchEvent after every step and `epoch_end` an EpochRecord after each
    epoch's validation. `cancel()` is asked between batches: training then stops with the
    last complete weights (never half-updated ones) and `cancelled=True`.
    """
    config = TrainConfig(epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr=lr, momentum=momentum,
                         weight_decay=weight_decay, schedule=schedule, loss=loss, seed=seed)
    trainer = Trainer(net, weights, data, config, optimizer_state)
    cancelled = False
    while not trainer.done:
        if cancel is not None and cancel():
            cancelled = True
            break
        event = trainer.step()
        if progress is not None:
            progress(event)
        if trainer.epoch_finished:
            record, _ = trainer.finish_epoch()
            if epoch_end is not None:
                epoch_end(record)
    return TrainResult(trainer.weights, trainer.history, trainer.optimizer, trainer.step_count, cancelled)


def _optimizer_options(config: TrainConfig) -> dict:
    if config.optimizer == "sgd":
        return {"momentum": config.momentum, "weight_decay": config.weight_decay}
    return {"weight_decay": config.weight_decay}


def _loss_input(net: Network, head: str, loss: str) -> str:
    """The node the loss reads in inference mode (a final Softmax's input for cross-entropy)."""
    return logit_node(net, head) if loss == "cross_entropy" else head


def _norm(arrays) -> float:
    return math.sqrt(sum(float(np.vdot(a, a)) for a in arrays))
