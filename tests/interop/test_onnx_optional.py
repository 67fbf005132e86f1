"""ONNX stays optional: without the onnx package the features say how to get it."""
from __future__ import annotations

import sys

import pytest
from interop_helpers import every_layer

from convstudio.errors import ConvStudioError
from convstudio.interop import onnx_export
from convstudio.interop.onnx_support import require_onnx


def test_missing_onnx_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ConvStudioError) as e:
        onnx_export.export_onnx(every_layer(), {})
    assert str(e.value) == "ONNX export needs the onnx package: pip install 'convstudio[onnx]'"
    with pytest.raises(ConvStudioError, match="ONNX import needs the onnx package"):
        require_onnx("import")
