"""The `digits` dataset: scikit-learn's bundled 8×8 handwritten digits (1,797 images, no download).

scikit-learn is an optional extra (`pip install -e '.[datasets]'` from a checkout); without it, asking
for `digits` gives one line saying so.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from ...errors import ConvStudioError

LABELS = [str(d) for d in range(10)]
INSTALL_HINT = ("the digits dataset needs scikit-learn: install it with pip install 'convstudio[datasets]' "
                "(from a checkout: pip install -e '.[datasets]')")


def available() -> bool:
    return importlib.util.find_spec("sklearn") is not None


def load() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 1, 8, 8) float32 in [0, 1], classes (1797,) int64): ink is bright, paper dark."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ConvStudioError(INSTALL_HINT) from None
    bunch = load_digits()
    images = (np.asarray(bunch.images, dtype=np.float32) / np.float32(16))[:, None]
    return np.clip(images, 0.0, 1.0), np.asarray(bunch.target, dtype=np.int64)
