"""The filters panel's "Show dL/dW": each filter with its weight gradient drawn under it, slice by slice.

dL/dW is what one SGD step subtracts (times the learning rate): where it is red the weight will
shrink, blue it will grow. Its own symmetric scale (±the layer's largest |dL/dW|) keeps 0 white.
"""
from __future__ import annotations

import numpy as np
from .filter_render import filter_image, layer_scale
from .gradient_source import GradientSwitch
from .gradient_tiles import stacked
from .map_gradients import class_name

TIP = ("Draw dL/dW under each filter, slice by slice (blue −, white 0, red +): one SGD step moves every "
       "weight against its gradient. Target class: the Backprop tab.")


class FilterGradients(GradientSwitch):
    def __init__(self, parent=None):
        super().__init__("filters", "Show dL/dW", "filters-gradients", TIP, parent)

    def weight_grad(self, node_id: str | None, shape) -> np.ndarray | None:
        run = self.source.current() if self.on else None
        g = run.grads.weights.get(node_id, {}).get("weight") if run is not None else None
        return g if g is not None and g.shape == tuple(shape) else None

    def images(self, node_id, weight: np.ndarray, ks, images: list[np.ndarray]) -> list[np.ndarray]:
        """Each filter image with its dL/dW image under it, when shown."""
        g = self.weight_grad(node_id, weight.shape)
        if g is None:
            return images
        scale = layer_scale(g)
        return [stacked(img, filter_image(g[k], scale)) for k, img in zip(ks, images)]

    def note(self, node_id, weight: np.ndarray) -> str:
        if not self.on:
            return ""
        g = self.weight_grad(node_id, weight.shape)
        if g is None:
            return self.source.status() or "No gradient reaches this layer."
        run = self.source.current()
        return (f"Under each filter: dL/dW for class {class_name(run.net, run.target)} (loss {run.grads.loss:.4g}), "
                f"one scale ±{layer_scale(g):.3g} for the layer. A step of SGD moves each weight against it.")
