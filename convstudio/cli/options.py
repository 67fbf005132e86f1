"""Argument helpers shared by the subcommands."""
from __future__ import annotations

import argparse


def input_shape(text: str) -> tuple[int, int, int]:
    """Parse `--input C,H,W`."""
    try:
        c, h, w = (int(v) for v in text.replace("×", ",").replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected C,H,W such as 3,224,224, got {text!r}") from None
    if min(c, h, w) < 1 or max(c, h, w) > 65536:
        raise argparse.ArgumentTypeError(f"each of C,H,W must be between 1 and 65536, got {text!r}")
    return c, h, w
