"""Pure-NumPy forward kernels on NCHW batches (PyTorch weight layouts and semantics).

float32 in, float32 out; inputs are never modified. Long kernels take a ``cancel``
callable and raise convstudio.errors.RunCancelled when it returns True.
"""

from convstudio.kernels.allocator import keep_freed_memory
from convstudio.kernels.conv import conv2d
from convstudio.kernels.dense import dense
from convstudio.kernels.elementwise import leaky_relu, relu, sigmoid, softmax, tanh
from convstudio.kernels.merge import add, concat
from convstudio.kernels.norm import (batch_norm2d, batch_norm2d_train, batch_norm2d_train_backward,
                                    local_response_norm, local_response_norm_backward)
from convstudio.kernels.pool import avg_pool2d, global_avg_pool2d, max_pool2d
from convstudio.kernels.resample import upsample_nearest2d, zero_pad2d
from convstudio.kernels.reshape import channel_shuffle, flatten
from convstudio.kernels.transpose import conv_transpose2d

keep_freed_memory()  # a training step's arrays are reused, not page-faulted in afresh

__all__ = [
    "add",
    "avg_pool2d",
    "batch_norm2d",
    "batch_norm2d_train",
    "batch_norm2d_train_backward",
    "channel_shuffle",
    "concat",
    "conv2d",
    "conv_transpose2d",
    "dense",
    "flatten",
    "global_avg_pool2d",
    "leaky_relu",
    "local_response_norm",
    "local_response_norm_backward",
    "max_pool2d",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
    "upsample_nearest2d",
    "zero_pad2d",
]
