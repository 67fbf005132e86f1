"""ConvStudio: build convolutional networks and see how convolution works.

The public API (the CLI and the app are built on it)::

    from convstudio import load_network, save_network, infer, init_weights, run, load_dataset
"""
from .engine.datasets import load_dataset
from .engine.datasets import load_dataset
from .engine.execute import run
from .engine.gradients import gradients
from .engine.infer import infer
from .engine.training import train
from .engine.transforms import fc_to_conv
from .engine.weights import init_weights, load_weights, save_weights
from .errors import ConvStudioError, FormatError, GraphError, ResourceLimitError, RunCancelled
from .io import load_network, save_network

__version__ = "0.1.0"

__all__ = ["ConvStudioError", "FormatError", "GraphError", "ResourceLimitError", "RunCancelled", "fc_to_conv",
           "gradients", "infer", "init_weights", "load_dataset", "load_network", "load_weights", "run",
           "save_network", "save_weights", "train", "__version__"]
