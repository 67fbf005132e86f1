"""What the Backprop tab says for each kind of layer, written with the numbers of the pass shown."""
from __future__ import annotations

import numpy as np

from ....engine.explain.backprop import LayerGradient, LossGradient, TransposeCheck, WindowRoute
from ....wording import a
from ..text import esc, paragraphs


def g(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


def diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) if np.size(a) else 0.0


def loss_html(lg: LossGradient, names: list[str], target: int) -> str:
    return paragraphs(
        f"<span style='font-size:large'>loss = −log p(<b>{esc(names[target])}</b>) = −log {g(lg.probabilities[target])}"
        f" = <b>{g(lg.loss)}</b></span>",
        "Softmax turns the scores (logits) into probabilities p; cross-entropy with the target class t gives "
        "<b>dL/dlogit = p − one-hot(t)</b>: the target's score is pushed up by 1 − p, every other score down by its "
        "own probability. A confident right answer (p ≈ 1) gets almost no gradient; a wrong one gets a lot.",
        f"Engine's backward vs p − one-hot: largest difference {diff(lg.engine, lg.formula):.1e}.",
        "This vector is where backpropagation starts: every other layer's gradient is made from it.")


def elementwise_html(node_type: str, lg: LayerGradient, slope: np.ndarray, relu_like: bool) -> str:
    passed = np.isfinite(slope) & (slope != 0)
    live = int(passed.sum())
    total = int(np.isfinite(slope).sum())
    parts = [f"<span style='font-size:large'><b>{esc(node_type)}</b>: dL/dx = dL/dy × (its slope at x)</span>"]
    if relu_like:
        mask = lg.x > 0
        parts.append(f"ReLU's slope is 1 where the input was &gt; 0 and 0 elsewhere: the gradient <b>passes "
                     f"through</b> the {int(mask.sum()):,} of {mask.size:,} positions that were positive (white in "
                     f"the mask) and <b>stops</b> at the others. Nothing is learned through a unit that was off.")
        parts.append(f"Engine's dL/dx vs dL/dy × mask: largest difference {diff(lg.dx, lg.g * mask):.1e}.")
    else:
        parts.append(f"Each value's gradient is scaled by the slope of {esc(node_type)} at that input; the slope "
                     "map is dL/dx ÷ dL/dy from the layer's own backward.")
    parts.append(f"{live:,} of {total:,} positions with a non-zero dL/dy pass some of it on. A ReLU has no "
                 "weights: it only decides <i>where</i> the gradient may go.")
    return paragraphs(*parts)


def pool_html(route: WindowRoute, kind: str, dx_diff: float) -> str:
    kh, kw = route.values.shape
    if kind == "max":
        where = "the input that was the maximum (green frame)"
        rule = ("Max pooling kept only the largest value of each window, so only that input affected the output: "
                f"the whole gradient {g(route.g)} goes back to it, the other {kh * kw - 1} inputs of the window get 0. "
                "Overlapping windows add their shares.")
    else:
        where = f"every input of the window, {g(route.g)} ÷ {kh * kw} each"
        rule = (f"Average pooling gave each of the {kh * kw} inputs the same weight 1/{kh * kw}, so the gradient "
                f"{g(route.g)} is spread evenly: {g(route.share.flat[0])} to each.")
    cells = ", ".join(g(v) for v in route.share.reshape(-1))
    values = ", ".join("pad" if not np.isfinite(v) else g(v) for v in route.values.reshape(-1))
    return paragraphs(
        f"<span style='font-size:large'>Output (ch {route.channel}, row {route.row}, col {route.col}) got "
        f"dL/dy = <b>{g(route.g)}</b>; backward sends it to {where}.</span>",
        rule, f"The window's inputs, row by row: {values}. What the layer's backward sends to them: {cells}.",
        f"Sum of the whole dL/dx vs sum of dL/dy: difference {dx_diff:.1e} — pooling moves gradient, it never "
        "creates or loses any. No weights here either.")


def conv_html(lg: LayerGradient, k: int, c: int, corr: np.ndarray, check: TransposeCheck | None,
              problem: str = "") -> str:
    dw = lg.dw["weight"][k, c]
    oh, ow = lg.g.shape[1:]
    parts = [
        f"<span style='font-size:large'><b>dL/dW</b> of filter {k}, slice {c}: the input correlated with "
        f"dL/dy[{k}]</span>",
        f"The same {dw.shape[0]}×{dw.shape[1]} weights were used at all {oh * ow:,} output positions, so each "
        f"weight's gradient is the <b>sum over every position</b> of (the input value under it × dL/dy there). "
        "That is parameter sharing seen from the gradient side: one shared weight, one summed gradient.",
        f"Written out as that sum vs the engine's dL/dW: largest difference {diff(corr, dw):.1e}. "
        f"dL/db[{k}] = Σ dL/dy[{k}] = {g(float(lg.g[k].sum()))} (engine {g(float(lg.dw['bias'][k]))})."
        if "bias" in lg.dw else
        f"Written out as that sum vs the engine's dL/dW: largest difference {diff(corr, dw):.1e}.",
        "<b>dL/dx</b> goes back through the same filters: it is the transposed convolution of dL/dy."]
    if check is not None:
        c_, h, w = check.shape
        parts.append(f"Tie to the Sharing tab: the convolution is y = M·x for the sparse matrix M, so the backward "
                     f"is dL/dx = Mᵀ·dL/dy. On the top-left {c_}×{h}×{w} corner of this layer's input (M is "
                     f"{check.matrix[0]:,}×{check.matrix[1]:,}) with the real filters: Mᵀ·g vs the layer's backward, "
                     f"largest difference <b>{check.difference:.1e}</b>.")
    elif problem:
        parts.append(esc(problem))
    return paragraphs(*parts)


def dense_html(lg: LayerGradient, outer: np.ndarray) -> str:
    n_out, n_in = lg.dw["weight"].shape
    return paragraphs(
        f"<span style='font-size:large'><b>dL/dW = dL/dy ⊗ x</b>: {a(f'{n_out}×{n_in:,}')} outer product</span>",
        f"Each of the {n_out} units has its own weight for each of the {n_in:,} inputs; weight (j, i) multiplied "
        f"x<sub>i</sub> into y<sub>j</sub>, so its gradient is dL/dy<sub>j</sub> × x<sub>i</sub>. Row j of the "
        "picture shows x scaled by unit j's gradient, one shared colour scale: the same pattern, flipped in sign and "
        "strength. Inputs that were 0 get no change.",
        f"Outer product vs the engine's dL/dW: largest difference {diff(outer, lg.dw['weight']):.1e}.",
        "dL/dx = Wᵀ·dL/dy sends the gradient back to every input, weighted by the same weights.")


def other_html(node_type: str) -> str:
    return paragraphs(f"{esc(node_type)}: dL/dy (what reaches this layer) and dL/dx (what it passes back), "
                      "both from the engine's backward. Select a ReLU, pooling, Conv2D or Dense layer, or the last "
                      "layer, for a step-by-step account.")
