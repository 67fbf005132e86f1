"""Small cases of every layer type with a backward, with the awkward settings gradients get wrong."""
from __future__ import annotations

# (type, params, input shapes (C, H, W) or (F,)), one or more per type.
CASES = [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": 1}, [(3, 6, 5)]),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "stride": 2, "padding": "same"}, [(2, 7, 6)]),
    ("Conv2D", {"filters": 6, "kernel_size": [2, 3], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2],
                "groups": 3, "bias": False}, [(3, 7, 8)]),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "stride": 3}, [(2, 8, 8)]),
    ("Conv2D", {"filters": 4, "kernel_size": 1, "stride": 2}, [(4, 5, 5)]),
    ("ConvTranspose2D", {"filters": 4, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1,
                         "groups": 2}, [(2, 4, 3)]),
    ("ConvTranspose2D", {"filters": 3, "kernel_size": 2, "stride": 1, "dilation": 2, "output_padding": 1},
     [(2, 3, 4)]),
    ("MaxPool2D", {"kernel_size": 2}, [(2, 6, 5)]),
    ("MaxPool2D", {"kernel_size": 3, "stride": 2, "padding": 1}, [(2, 7, 6)]),
    ("AvgPool2D", {"kernel_size": 3, "stride": 2, "padding": 1}, [(2, 7, 6)]),
    ("AvgPool2D", {"kernel_size": 2}, [(1, 5, 4)]),
    ("AvgPool2D", {"kernel_size": [3, 2], "stride": [2, 1], "padding": 1, "count_include_pad": False}, [(2, 7, 6)]),
    ("GlobalAvgPool2D", {}, [(3, 4, 5)]),
    ("BatchNorm2D", {"eps": 1e-3}, [(3, 4, 5)]),
    ("LocalResponseNorm", {"size": 3, "alpha": 0.5, "beta": 0.75, "k": 2.0}, [(5, 3, 4)]),
    ("LocalResponseNorm", {"size": 4, "alpha": 1.0, "beta": 1.5, "k": 1.0}, [(6, 2, 3)]),
    ("ReLU", {}, [(2, 3, 4)]),
    ("LeakyReLU", {"negative_slope": 0.2}, [(2, 3, 4)]),
    ("Sigmoid", {}, [(2, 3, 4)]),
    ("Tanh", {}, [(2, 3, 4)]),
    ("Softmax", {}, [(4, 2, 3)]),
    ("Softmax", {}, [(5,)]),
    ("Dropout", {"rate": 0.4}, [(2, 3, 4)]),
    ("Flatten", {}, [(2, 3, 4)]),
    ("Dense", {"units": 5}, [(7,)]),
    ("Dense", {"units": 3, "bias": False}, [(4,)]),
    ("Add", {}, [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    ("Concat", {}, [(2, 3, 4), (1, 3, 4)]),
    ("Upsample2D", {"scale_factor": [2, 3]}, [(2, 3, 2)]),
    ("ZeroPad2D", {"padding": [1, 0, 2, 3]}, [(2, 3, 4)]),
    ("ChannelShuffle", {"groups": 3}, [(6, 2, 3)]),
]


def case_id(case) -> str:
    type_name, params, shapes = case
    return f"{type_name}-" + "-".join("x".join(map(str, s)) for s in shapes) + f"-{len(params)}"
