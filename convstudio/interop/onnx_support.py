"""The optional onnx package, imported only when an ONNX feature is used."""
from __future__ import annotations

from ..errors import ConvStudioError

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17, so older runtimes read the files
HINTS_KEY = "convstudio.layers"


def require_onnx(what: str = "export"):
    """The onnx module, or a ConvStudioError that says how to install it."""
    try:
        import onnx
    except ImportError:
        raise ConvStudioError(f"ONNX {what} needs the onnx package: pip install 'convstudio[onnx]'") from None
    return onnx
