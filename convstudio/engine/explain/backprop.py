"""Where the gradient goes, layer by layer: the numbers the Backprop view and the gradient panels show.

Everything here is read off one `gradients()` pass (`GradientRun`) or off a layer's own
`backward`, called again on the very arrays that pass used — never a second formula — so
what the app shows is what training would use. The textbook forms (probabilities − one-hot,
the ReLU mask, Mᵀ·g, the outer product) are computed beside them only to be compared.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import layers
from ...errors import ConvStudioError
from ...graph import Network
from ...layers import Tape
from ...wording import a
from ..gradients import Gradients, gradients, logit_node, output_node
from ..weights import WeightSet
from .dense_matrix import sharing_matrix
from .sharing import conv_config, node_config
from .window import SlidingWindow, node_window

SMALL_SIDE = 6  # the Mᵀ·g check crops the input to at most this many rows and columns


@dataclass
class GradientRun:
    """One image, one target class, one backward pass through the network as it is."""

    net: Network
    weights: WeightSet
    x: np.ndarray          # (1, C, H, W)
    target: int
    predicted: int
    grads: Gradients
    logit_id: str

    @property
    def probabilities(self) -> np.ndarray:
        return softmax(self.grads.logits[0].reshape(-1))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return (e / e.sum()).astype(np.float32)


def class_count(net: Network, report=None) -> int:
    """How many classes the loss reads (the logit layer's channels)."""
    from ..infer import infer
    rep = report or infer(net)
    shape = rep.nodes[logit_node(net, output_node(net, rep))].shape
    return int(shape[0]) if shape else 0


def gradient_run(net: Network, weights: WeightSet, x: np.ndarray, target: int | None = None,
                 predicted: int | None = None, cancel=None) -> GradientRun:
    """Backpropagate the cross-entropy of `target` (None: the predicted class) for one image.

    `predicted` may be given when a forward pass already knows it; otherwise a pass with
    label 0 finds it (and is reused when the prediction is class 0).
    """
    x = np.asarray(x, dtype=np.float32)
    x = x[None] if x.ndim == 3 else x
    head = output_node(net)
    logit_id = logit_node(net, head)
    first = None
    if predicted is None:
        first = gradients(net, x, np.array([target or 0]), weights, training=False, cancel=cancel)
        predicted = int(np.argmax(first.logits[0].reshape(first.logits.shape[1], -1).mean(axis=1)))
    label = predicted if target is None else int(target)
    if first is not None and label == (target or 0):
        result = first
    else:
        result = gradients(net, x, np.array([label]), weights, training=False, cancel=cancel)
    _check_classifier(result, label)
    return GradientRun(net, weights, x, label, int(predicted), result, logit_id)


def _check_classifier(g: Gradients, label: int) -> None:
    if g.logits.ndim != 2 and g.logits.shape[2:] != (1,) * (g.logits.ndim - 2):
        raise ConvStudioError(f"the network ends in {'×'.join(map(str, g.logits.shape[1:]))}: backpropagation of a "
                              "class needs one score per class (end in Flatten/Dense or a C×1×1 map)")
    if not 0 <= label < g.logits.shape[1]:
        raise ConvStudioError(f"class {label} does not exist: the network has {g.logits.shape[1]} classes")


# -- the loss ---------------------------------------------------------------------------------------
@dataclass
class LossGradient:
    probabilities: np.ndarray  # (K,)
    onehot: np.ndarray         # (K,)
    engine: np.ndarray         # dL/dlogits from the backward pass (K,)
    loss: float

    @property
    def formula(self) -> np.ndarray:
        return self.probabilities - self.onehot


def loss_gradient(r: GradientRun) -> LossGradient:
    probs = r.probabilities
    onehot = np.zeros_like(probs)
    onehot[r.target] = 1
    return LossGradient(probs, onehot, r.grads.outputs[r.logit_id][0].reshape(-1), r.grads.loss)


# -- one layer's backward, called again on the arrays of the pass -----------------------------------
@dataclass
class LayerGradient:
    node_id: str
    x: np.ndarray        # the layer's (first) input, one sample
    y: np.ndarray        # its output
    g: np.ndarray        # dL/dy
    dx: np.ndarray       # dL/dx from the layer's backward
    dw: dict[str, np.ndarray]


def layer_gradient(r: GradientRun, node_id: str) -> LayerGradient:
    """dL/dx and dL/dW of `node_id` from its own backward, given the pass's dL/dy."""
    node = r.net.node(node_id)
    if node.decl.is_input or node_id not in r.grads.outputs:
        raise ConvStudioError(f"{node_id}: no gradient reaches this layer")
    acts = r.grads.activations
    xs = [acts[s] for s in node.inputs]
    g = r.grads.outputs[node_id]
    dxs, dws = backward(r.net, node_id, xs, acts[node_id], r.weights.get(node_id, {}), g)
    return LayerGradient(node_id, xs[0][0], acts[node_id][0], g[0], np.asarray(dxs[0])[0],
                         {k: np.asarray(v) for k, v in dws.items()})


def backward(net: Network, node_id: str, xs, y, w, g):
    """The declaration's backward with a fresh inference-mode tape (the forward is replayed for it)."""
    node = net.node(node_id)
    decl = layers.get(node.type)
    tape = Tape(training=False)
    decl.forward_train(node.params, xs, w, tape)
    return decl.backward(node.params, xs, y, w, g, tape)


# -- elementwise: where the gradient passes ----------------------------------------------------------
def local_slope(lg: LayerGradient) -> np.ndarray:
    """dL/dx ÷ dL/dy where dL/dy ≠ 0 (NaN elsewhere): for ReLU the 0/1 mask x > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lg.g != 0, lg.dx / lg.g, np.nan).astype(np.float32)


# -- sliding max and mean: one window's share --------------------------------------------------------
@dataclass
class WindowRoute:
    window: SlidingWindow
    channel: int
    row: int
    col: int
    g: float                     # dL/dy at this output
    values: np.ndarray           # the window's input values, (k, k) (padding NaN)
    share: np.ndarray            # what backward sends to each cell for this output alone, (k, k)
    cells: list[tuple[int, int]]  # padded-grid cells of the taps
    argmax: tuple[int, int] | None  # padded-grid cell holding the max (sliding "max")


@dataclass
class PoolWindow:
    """One output of a max or average pool: its window's cells and input values, and the max's cell."""

    window: SlidingWindow
    cells: list[tuple[int, int]]    # padded-grid cells of the taps, row by row
    values: np.ndarray              # (kh, kw) input values (NaN on padding)
    argmax: tuple[int, int] | None  # padded-grid cell of the first maximum in scan order (max pools)

    def input_cell(self, cell: tuple[int, int]) -> tuple[int, int]:
        """A padded-grid cell as (row, column) of the real input."""
        return cell[0] - self.window.rows.pad[0], cell[1] - self.window.cols.pad[0]


def pool_window(net: Network, node_id: str, x: np.ndarray, channel: int, row: int, col: int) -> PoolWindow:
    """The window output (channel, row, col) of a pooling layer read from its input `x` (C, H, W)."""
    node = net.node(node_id)
    if node.decl.sliding not in ("max", "mean"):
        raise ConvStudioError(f"{node_id} is {a(node.type)} layer, not a max or average pool")
    sw = node_window(net, node_id)
    if not (0 <= row < sw.rows.output and 0 <= col < sw.cols.output and 0 <= channel < x.shape[0]):
        raise ConvStudioError(f"{node_id}: channel {channel}, row {row}, column {col} is outside its output")
    cells = sw.cells(row, col)
    top, left = sw.rows.pad[0], sw.cols.pad[0]
    values = np.full((len(sw.rows.taps[row]), len(sw.cols.taps[col])), np.nan, np.float32)
    for i, (py, px) in enumerate(cells):
        iy, ix = py - top, px - left
        if 0 <= iy < x.shape[1] and 0 <= ix < x.shape[2]:
            values.flat[i] = x[channel, iy, ix]
    argmax = None
    if node.decl.sliding == "max" and np.isfinite(values).any():
        argmax = cells[int(np.nanargmax(values))]  # the first maximum in scan order, as PyTorch picks
    return PoolWindow(sw, cells, values, argmax)


def window_route(r: GradientRun, node_id: str, channel: int, row: int, col: int) -> WindowRoute:
    """Backward of one output value alone: g at (channel, row, col) and zero elsewhere."""
    net = r.net
    node = net.node(node_id)
    acts = r.grads.activations
    x, y = acts[node.inputs[0]], acts[node_id]
    pw = pool_window(net, node_id, x[0], channel, row, col)
    g_full = r.grads.outputs[node_id]
    one = np.zeros_like(g_full)
    one[0, channel, row, col] = g_full[0, channel, row, col]
    dxs, _ = backward(net, node_id, [x], y, {}, one)
    dx = np.asarray(dxs[0])[0, channel]
    share = np.zeros(pw.values.shape, np.float32)
    for i, cell in enumerate(pw.cells):
        iy, ix = pw.input_cell(cell)
        if 0 <= iy < dx.shape[0] and 0 <= ix < dx.shape[1]:
            share.flat[i] = dx[iy, ix]
    return WindowRoute(pw.window, channel, row, col, float(g_full[0, channel, row, col]), pw.values, share,
                       pw.cells, pw.argmax)


# -- Conv2D: the transposed matrix and the correlation -------------------------------------------------
@dataclass
class TransposeCheck:
    shape: tuple[int, int, int]   # the small input C×h×w the check runs on
    matrix: tuple[int, int]       # M's shape
    product: np.ndarray           # Mᵀ·g, reshaped to C×h×w
    engine: np.ndarray            # the layer's backward dL/dx on the same small case

    @property
    def difference(self) -> float:
        return float(np.max(np.abs(self.product - self.engine))) if self.product.size else 0.0


def transpose_check(r: GradientRun, node_id: str, side: int = SMALL_SIDE) -> TransposeCheck:
    """Mᵀ·g against the layer's backward on the top-left `side`×`side` crop of its real input,
    with its real filters and a dL/dy taken from the pass's own gradient."""
    net, node = r.net, r.net.node(node_id)
    full = node_config(net, node_id)
    x = r.grads.activations[node.inputs[0]][:, :, :side, :side]
    c, h, w = x.shape[1:]
    cfg = conv_config(c, full.filters, h, w, full.kernel, full.stride, full.padding, full.dilation, full.groups)
    m = sharing_matrix(cfg)
    oh, ow = cfg.output
    g = r.grads.outputs[node_id][:, :, :oh, :ow]
    weight = r.weights[node_id]["weight"]
    decl = layers.get(node.type)
    y = decl.forward(node.params, [x], r.weights[node_id])
    dxs, _ = backward(net, node_id, [x], y, r.weights[node_id], g)
    product = (m.values(weight).T @ g[0].reshape(-1).astype(np.float64)).reshape(c, h, w)
    return TransposeCheck((c, h, w), m.index.shape, product.astype(np.float32), np.asarray(dxs[0])[0])


def weight_correlation(lg: LayerGradient, r: GradientRun, filter_k: int, channel: int) -> np.ndarray:
    """dL/dW[k, c] written out: Σ over every output position of (input window · g[k] there)."""
    node = r.net.node(lg.node_id)
    q = node.decl.resolved(node.params, [lg.x.shape])
    (pt, pb), (pl, pr) = q["padding"]
    sh, sw_ = q["stride"]
    dh, dw_ = q["dilation"]
    groups = node.params["groups"]
    kh, kw = node.params["kernel_size"]
    per = lg.dw["weight"].shape[1]
    group = filter_k // (lg.g.shape[0] // groups)
    xc = np.pad(lg.x[group * per + channel].astype(np.float64), ((pt, pb), (pl, pr)))
    gk = lg.g[filter_k].astype(np.float64)
    oh, ow = gk.shape
    out = np.zeros((kh, kw))
    for i in range(kh):
        for j in range(kw):
            patch = xc[i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw_: j * dw_ + sw_ * (ow - 1) + 1: sw_]
            out[i, j] = float(np.sum(patch * gk))
    return out.astype(np.float32)


# -- Dense: the outer product ----------------------------------------------------------------------------
def outer_product(lg: LayerGradient) -> np.ndarray:
    """gᵀ·x for one sample: what dL/dW of a Dense layer is."""
    return np.outer(lg.g.reshape(-1), lg.x.reshape(-1)).astype(np.float32)


# -- one SGD step -------------------------------------------------------------------------------------------
@dataclass
class StepResult:
    loss_before: float
    loss_after: float
    lr: float
    weights: WeightSet                  # the stepped copy (trainable arrays of the stepped layers)
    changes: dict[str, float]           # node id → ‖Δw‖ / ‖w‖ over its trainable arrays
    grad_norms: dict[str, float]        # node id → ‖dL/dW‖


def sgd_step(r: GradientRun, lr: float, cancel=None) -> StepResult:
    """One plain SGD step (torch.optim.SGD, no momentum) on a copy of the weights, and the loss after it."""
    from ..optim import SGD
    grads = r.grads.weights
    stepped = {nid: {name: np.array(arr, dtype=np.float32, copy=True) for name, arr in r.weights[nid].items()}
               for nid in grads}
    SGD(lr).step(stepped, grads)
    new_weights = {**r.weights, **stepped}
    after = gradients(r.net, r.x, np.array([r.target]), new_weights, training=False, cancel=cancel)
    changes, norms = {}, {}
    for nid, arrays in grads.items():
        w0 = np.sqrt(sum(float(np.sum(np.square(r.weights[nid][k], dtype=np.float64))) for k in arrays))
        dw = np.sqrt(sum(float(np.sum(np.square(stepped[nid][k] - r.weights[nid][k], dtype=np.float64)))
                         for k in arrays))
        changes[nid] = dw / w0 if w0 > 0 else float("inf") if dw > 0 else 0.0
        norms[nid] = float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays.values())))
    return StepResult(r.grads.loss, after.loss, lr, stepped, changes, norms)
