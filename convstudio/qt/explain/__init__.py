"""The "Convolution explained" views: sliding window, one output value, parameter sharing,
Dense layers as convolutions (and why 4096 and 1000), class scores of fully convolutional networks.

Integration is one call, `install_explain(window)` (the `Host`), after `install_inspection(window)`.
"""
from .install import ExplainTools, install_explain

__all__ = ["ExplainTools", "install_explain"]
