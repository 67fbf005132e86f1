"""BatchNorm2D: running statistics when running, batch statistics while training."""
from __future__ import annotations

import numpy as np

from .. import kernels
from .base import LayerType, require_image
from .params import Param
from .registry import register

MOMENTUM = 0.1  # PyTorch's default for the running statistics


@register
class BatchNorm2D(LayerType):
    name = "BatchNorm2D"
    family = "Normalization"
    summary = "Normalises each channel with its running mean and variance, then scales and shifts it."
    params = (Param("eps", "float", 1e-5, "Small number added to the variance to avoid dividing by zero.",
                    minimum=1e-12, maximum=1, exclusive_maximum=True),)
    trainable = ("weight", "bias")
    id_prefix, card_hint = "bn", "per channel"
    examples = ({"eps": 1e-3},)

    def count_lines(self, p, inputs, out):
        return [f"2 × {inputs[0][0]} = {self.param_count(p, inputs):,}  (scale and shift per channel)"]

    def output_shape(self, p, inputs):
        return require_image(inputs)

    def weight_shapes(self, p, inputs):
        c = inputs[0][0]
        return {n: (c,) for n in ("weight", "bias", "running_mean", "running_var")}

    def init_weights(self, p, inputs, rng):
        c = inputs[0][0]
        one, zero = np.ones(c, np.float32), np.zeros(c, np.float32)
        return {"weight": one, "bias": zero, "running_mean": zero.copy(), "running_var": one.copy()}

    def forward(self, p, xs, w, cancel=None):
        return kernels.batch_norm2d(xs[0], w["weight"], w["bias"], w["running_mean"], w["running_var"], p["eps"])

    def forward_train(self, p, xs, w, tape, cancel=None):
        """Training mode: normalise with the batch's statistics and fold them into the running
        ones with PyTorch's momentum 0.1 (the unbiased variance for the running statistic)."""
        if not tape.training:
            return self.forward(p, xs, w, cancel)
        x = xs[0]
        y, xhat, inv_std, mean, var = kernels.batch_norm2d_train(x, w["weight"], w["bias"], p["eps"])
        count = x.size // x.shape[1]
        unbiased = var * count / max(count - 1, 1)
        tape.saved.update(xhat=xhat, inv_std=inv_std)
        tape.updates["running_mean"] = ((1 - MOMENTUM) * w["running_mean"] + MOMENTUM * mean).astype(np.float32)
        tape.updates["running_var"] = ((1 - MOMENTUM) * w["running_var"] + MOMENTUM * unbiased).astype(np.float32)
        return y

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        if "xhat" in tape.saved:
            dx, dgamma, dbeta = kernels.batch_norm2d_train_backward(
                g, tape.saved["xhat"], tape.saved["inv_std"], w["weight"])
            return [dx], {"weight": dgamma, "bias": dbeta}
        inv_std = (1.0 / np.sqrt(w["running_var"].astype(np.float64) + p["eps"])).astype(g.dtype)
        xhat = (xs[0] - w["running_mean"][:, None, None]) * inv_std[:, None, None]
        dx = g * (w["weight"] * inv_std)[:, None, None]
        return [dx], {"weight": (g * xhat).sum(axis=(0, 2, 3)), "bias": g.sum(axis=(0, 2, 3))}

@register
class LocalResponseNorm(LayerType):
    name = "LocalResponseNorm"
    family = "Normalization"
    summary = ("Divides each value by the energy of its neighbouring channels at the same pixel "
               "(AlexNet, ZFNet, GoogLeNet): x / (k + α/n · Σ x²)^β.")
    params = (
        Param("size", "int", 5, "Number n of neighbouring channels summed, this one included.", letter="n",
              minimum=1, maximum=4096),
        Param("alpha", "float", 1e-4, "Scale α of the sum of squares.", letter="α", minimum=0, maximum=1e6),
        Param("beta", "float", 0.75, "Exponent β of the divisor.", letter="β", minimum=0, maximum=1e6),
        Param("k", "float", 1.0, "Constant k added before the exponent.", letter="k", minimum=0, maximum=1e6),
    )
    id_prefix, card_hint = "lrn", "across channels"
    examples = ({"size": 5, "alpha": 1e-3, "beta": 0.75, "k": 2.0}, {"size": 3, "alpha": 0.5, "beta": 1.5})

    def key_params(self, p):
        return f"n{p['size']}"

    def output_shape(self, p, inputs):
        return require_image(inputs)

    def forward(self, p, xs, w, cancel=None):
        return kernels.local_response_norm(xs[0], p["size"], p["alpha"], p["beta"], p["k"])

    def backward(self, p, xs, y, w, g, tape, cancel=None):
        return [kernels.local_response_norm_backward(xs[0], g, p["size"], p["alpha"], p["beta"], p["k"])], {}
