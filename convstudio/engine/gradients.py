"""Backpropagation: a training forward that keeps what each layer's backward needs, a loss on
the network's output, then the reverse topological pass.

Every layer's backward lives in its declaration beside its forward; this module only
orders the calls, sums the gradients of a node that feeds several consumers and keeps the
running-statistic updates apart until the caller decides to apply them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .. import layers
from ..errors import ConvStudioError, ResourceLimitError, RunCancelled
from ..graph import Network
from ..layers import Tape
from . import memory
from .execute import feeds_for
from .infer import Report, infer
from .losses import LOSSES
from .weights import WeightSet, check_weights, init_weights, node_rng

# Activations, their gradients and the saved intermediates (x̂, masks, pooling's arg-max taps, each
# at most the size of its layer's output) are all kept at once.
BACKWARD_FACTOR = 3


@dataclass
class Gradients:
    """The result of one forward and backward pass over a batch."""

    loss: float
    outputs: dict[str, np.ndarray]              # dL/d(each node's output); the Input's is dL/dx
    weights: dict[str, dict[str, np.ndarray]]   # dL/d(each trainable array)
    activations: dict[str, np.ndarray]          # the forward's outputs, as run() gives them
    logits: np.ndarray                          # what the loss read (the input of a final Softmax)
    updates: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # new running statistics


def output_node(net: Network, report: Report | None = None) -> str:
    """The one node nothing consumes: where the loss is taken."""
    fed = {src for n in net for src in n.inputs}  # one pass: asking each node for its consumers is quadratic
    sinks = [n.id for n in net if not n.decl.is_input and n.id not in fed]
    if len(sinks) != 1:
        names = ", ".join(sinks[:4]) + (" …" if len(sinks) > 4 else "")
        raise ConvStudioError(f"training needs exactly one output layer, the network has {len(sinks)}"
                              + (f" ({names})" if sinks else ""))
    return sinks[0]


def gradients(net: Network, x: np.ndarray | Mapping[str, np.ndarray], labels: np.ndarray,
              weights: WeightSet | None = None, *, loss: str = "cross_entropy", training: bool = True,
              seed: int = 0, cancel: Callable[[], bool] | None = None,
              memory_limit: int | None = None, input_gradient: bool = True) -> Gradients:
    """Forward `x` (N, C, H, W), take the loss against `labels`, and backpropagate.

    `training=True` makes BatchNorm use batch statistics and Dropout drop (seeded by `seed`);
    False gives inference behaviour. `input_gradient=False` skips dL/dx of the images (a
    training step has no use for it, and it is a whole transposed convolution). When the network ends in a layer that outputs
    probabilities (Softmax), the loss reads that layer's input as logits: the same gradient,
    computed stably.
    """
    if loss not in LOSSES:
        raise ConvStudioError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    feeds = feeds_for(net, x)
    first = next(iter(feeds.values()))
    report = infer(net, input_shape=first.shape[1:])
    if report.errors:
        raise ConvStudioError(f"cannot train: {report.errors[0].message}")
    check_memory(report, first.shape[0], memory_limit, net)
    weights = init_weights(net, 0, report) if weights is None else weights
    check_weights(net, weights, report)
    head = output_node(net, report)
    acts, tapes = _forward(net, report, feeds, weights, training, seed, cancel)
    logit_id = logit_node(net, head) if loss == "cross_entropy" else head
    labels = np.asarray(labels)
    value, dlogits = LOSSES[loss](acts[logit_id], labels)
    grads = {logit_id: dlogits.astype(np.float32, copy=False)}
    if logit_id != head:
        grads[head] = _probability_grad(acts[head], labels)
    skip = {head} - {logit_id}
    if not input_gradient:
        for nid in feeds:
            for consumer, _ in net.consumers(nid):
                tapes[consumer].wants = tuple(s not in feeds for s in net.node(consumer).inputs)
    weight_grads = _backward(net, report, acts, weights, tapes, grads, skip=skip, cancel=cancel)
    updates = {nid: t.updates for nid, t in tapes.items() if t.updates}
    return Gradients(float(value), grads, weight_grads, acts, acts[logit_id], updates)


def check_memory(report: Report, batch: int, limit: int | None = None, net: Network | None = None) -> None:
    """Refuse a training step that would not fit, with the sizes, before allocating anything."""
    count = sum(r.params or 0 for r in report.nodes.values())
    need = memory.estimate(report, batch, count, net)
    total = BACKWARD_FACTOR * need["activations"] + 3 * need["weights"] + need["scratch"]
    limit = memory.default_limit() if limit is None else limit
    if total > limit:
        h = memory.human
        raise ResourceLimitError(
            f"a training step needs about {h(total)} (activations and their gradients "
            f"{h(BACKWARD_FACTOR * need['activations'])} for a batch of {batch}, weights with their gradients and "
            f"optimizer state {h(3 * need['weights'])}) but the limit is {h(limit)}; use a smaller batch or image")


def _forward(net, report, feeds, weights, training, seed, cancel):
    acts: dict[str, np.ndarray] = {}
    tapes: dict[str, Tape] = {}
    for nid in report.order:
        if cancel is not None and cancel():
            raise RunCancelled("training step cancelled")
        node = net.node(nid)
        if nid in feeds:
            acts[nid] = feeds[nid]
            continue
        tape = tapes[nid] = Tape(training=training, rng=node_rng(seed, nid))
        decl = layers.get(node.type)
        out = decl.forward_train(node.params, [acts[s] for s in node.inputs], weights.get(nid, {}), tape, cancel)
        acts[nid] = np.asarray(out, dtype=np.float32)
    return acts, tapes


def _backward(net, report, acts, weights, tapes, grads, skip, cancel):
    """Reverse topological pass; `grads` gains every node's output gradient in place."""
    weight_grads: dict[str, dict[str, np.ndarray]] = {}
    for nid in reversed(report.order):
        g = grads.get(nid)
        node = net.node(nid)
        if g is None or node.decl.is_input or nid in skip:
            continue
        if cancel is not None and cancel():
            raise RunCancelled("training step cancelled")
        decl = layers.get(node.type)
        xs = [acts[s] for s in node.inputs]
        dxs, dws = decl.backward(node.params, xs, acts[nid], weights.get(nid, {}), g, tapes[nid], cancel)
        trainable = {k: np.asarray(v, dtype=np.float32) for k, v in dws.items() if k in decl.trainable}
        if trainable:
            weight_grads[nid] = trainable
        for src, dx in zip(node.inputs, dxs):
            if dx is None:
                continue
            dx = np.asarray(dx, dtype=np.float32)
            grads[src] = dx if src not in grads else grads[src] + dx
    return weight_grads


def logit_node(net: Network, head: str) -> str:
    """The node whose output the loss reads: the head, or the input of a final probability layer."""
    node = net.node(head)
    if layers.get(node.type).outputs_probabilities and len(node.inputs) == 1:
        return node.inputs[0]
    return head


def _probability_grad(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """dL/d(probabilities) of a final Softmax under cross-entropy, −onehot / (N·p): shown for
    completeness, while the pass itself goes around the Softmax."""
    n = probs.shape[0]
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), labels.astype(np.int64)] = 1
    return (-onehot / (n * np.maximum(probs, np.float32(1e-30)))).astype(np.float32)
