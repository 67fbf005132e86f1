"""ConvStudio: build convolutional networks and see how convolution works.

The public API (the CLI and the app are built on it)::

    from convstudio import load_network, save_network, infer, init_weights, run, load_dataset
"""
import os

# OpenBLAS keeps an idle thread spinning for about a tenth of a second after each multi-threaded
# call, and that thread then takes a core from the kernels' own workers: VGG-16's forward ran at
# 205 ms run after run, 154 ms with the spin cut short. OpenBLAS reads this once, when NumPy loads
# it, so it applies when convstudio is imported first (the app and the CLI) and a user's own
# setting wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from .engine.datasets import load_dataset  # noqa: E402 (after the BLAS setting above)
from .engine.execute import run  # noqa: E402
from .engine.gradients import gradients  # noqa: E402
from .engine.infer import infer  # noqa: E402
from .engine.training import train  # noqa: E402
from .engine.transforms import fc_to_conv  # noqa: E402
from .engine.weights import init_weights, load_weights, save_weights  # noqa: E402
from .errors import ConvStudioError, FormatError, GraphError, ResourceLimitError, RunCancelled  # noqa: E402
from .io import load_network, save_network  # noqa: E402

__version__ = "0.1.0"

__all__ = ["ConvStudioError", "FormatError", "GraphError", "ResourceLimitError", "RunCancelled", "fc_to_conv",
           "gradients", "infer", "init_weights", "load_dataset", "load_network", "load_weights", "run",
           "save_network", "save_weights", "train", "__version__"]
