"""The training loop: determinism, cancel, live learning rate, refusals, and that TinyVGG learns shapes."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from convstudio.engine.datasets import Dataset, load_dataset
from convstudio.engine.training import TrainConfig, Trainer, check_trainable, train
from convstudio.engine.weights import init_weights
from convstudio.errors import ConvStudioError
from convstudio.io.templates import load_template

sys.path.insert(0, str(Path(__file__).parents[1] / "interop"))
from interop_helpers import build  # noqa: E402

SMALL = [("image", "Input", {"channels": 3, "height": 16, "width": 16}, []),
         ("conv", "Conv2D", {"filters": 4, "kernel_size": 3, "padding": 1}, ["image"]),
         ("bn", "BatchNorm2D", {}, ["conv"]),
         ("relu", "ReLU", {}, ["bn"]),
         ("pool", "MaxPool2D", {"kernel_size": 2}, ["relu"]),
         ("flat", "Flatten", {}, ["pool"]),
         ("drop", "Dropout", {"rate": 0.2}, ["flat"]),
         ("fc", "Dense", {"units": 3}, ["drop"])]


@pytest.fixture(scope="module")
def data():
    return load_dataset("shapes", shape=(3, 16, 16), seed=0, count=120)


def small():
    return build(SMALL, "Small")


def flat(weights):
    return np.concatenate([a.ravel() for nid in sorted(weights) for _, a in sorted(weights[nid].items())])


def test_same_seed_same_weights_bit_for_bit(data):
    a = train(small(), None, data, epochs=2, batch_size=16, seed=3)
    b = train(small(), None, data, epochs=2, batch_size=16, seed=3)
    assert np.array_equal(flat(a.weights), flat(b.weights))
    c = train(small(), None, data, epochs=2, batch_size=16, seed=4)
    assert not np.array_equal(flat(a.weights), flat(c.weights))


def test_history_progress_and_running_statistics(data):
    events, records = [], []
    net = small()
    start = init_weights(net, 0)
    result = train(net, start, data, epochs=2, batch_size=32, progress=events.append, epoch_end=records.append)
    assert [e.step for e in events] == list(range(1, 7)) and events[-1].total_steps == 6
    assert [r.epoch for r in result.history] == [1, 2] and records == result.history
    assert all(0 <= r.val_accuracy <= 1 and r.val_loss > 0 for r in result.history)
    assert set(events[0].grad_norms) == {"conv", "bn", "fc"} and all(v > 0 for v in events[0].update_ratios.values())
    assert not np.array_equal(result.weights["bn"]["running_mean"], start["bn"]["running_mean"])
    assert np.array_equal(start["conv"]["weight"], init_weights(net, 0)["conv"]["weight"])  # never changed in place


def test_cancel_keeps_the_last_complete_weights(data):
    steps = []
    result = train(small(), None, data, epochs=3, batch_size=16, progress=steps.append,
                   cancel=lambda: len(steps) >= 2)
    assert result.cancelled and result.steps == 2
    again = train(small(), None, data, epochs=3, batch_size=16, cancel=lambda: False)
    trainer = Trainer(small(), None, data, TrainConfig(epochs=3, batch_size=16))
    trainer.step()
    trainer.step()
    assert np.array_equal(flat(result.weights), flat(trainer.weights))
    assert not again.cancelled


def test_learning_rate_changes_between_steps(data):
    trainer = Trainer(small(), None, data, TrainConfig(epochs=1, batch_size=16, optimizer="sgd", lr=0.1))
    assert trainer.step().lr == pytest.approx(0.1)
    trainer.lr = 0.02
    assert trainer.step().lr == pytest.approx(0.02)
    with pytest.raises(ConvStudioError, match="positive number"):
        trainer.lr = -1


def test_refusals_name_what_to_change(data):
    tiny = build(SMALL[:-1] + [("fc", "Dense", {"units": 5}, ["drop"])])
    with pytest.raises(ConvStudioError, match="dataset has 3 classes but the network outputs 5 scores; set the last"):
        check_trainable(tiny, data)
    with pytest.raises(ConvStudioError, match=r"input is 3×64×64 but the images are 3×16×16"):
        check_trainable(load_template("tinyvgg"), data)
    mapping = build(SMALL[:4])
    with pytest.raises(ConvStudioError, match="not one score per class"):
        check_trainable(mapping, data)
    with pytest.raises(ConvStudioError, match="epochs must be"):
        Trainer(small(), None, data, TrainConfig(epochs=0))


def test_final_softmax_trains_on_its_logits(data):
    net = build(SMALL + [("probs", "Softmax", {}, ["fc"])])
    result = train(net, None, data, epochs=1, batch_size=40)
    assert np.isfinite(result.history[0].val_loss)


def test_evaluation_confusion_matrix(data):
    trainer = Trainer(small(), None, data, TrainConfig(epochs=1))
    ev = trainer.evaluate()
    assert ev.confusion.sum() == len(data.y_val) and ev.confusion.shape == (3, 3)
    assert np.trace(ev.confusion) == int(round(ev.accuracy * len(data.y_val)))
    assert list(ev.misclassified(data.y_val)) == list(np.flatnonzero(ev.predictions != data.y_val))


@pytest.mark.slow
def test_tinyvgg_learns_shapes_from_seed_0():
    net = load_template("tinyvgg")
    data = load_dataset("shapes", shape=(3, 64, 64), seed=0)
    result = train(net, None, data, epochs=8, batch_size=32, seed=0)
    assert result.history[-1].val_accuracy >= 0.95


def test_dataset_type_is_the_engines():
    assert Dataset.__module__.startswith("convstudio.engine")
