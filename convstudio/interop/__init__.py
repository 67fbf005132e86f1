"""Exchange with other tools: PyTorch source, ONNX export and ONNX import.

The ONNX functions need the optional `onnx` package (pip install 'convstudio[onnx]');
it is imported only when one of them is called.
"""
from .onnx_export import export_onnx, save_onnx
from ..engine.weights import weights_path_for
from .onnx_import import convert_onnx_file, import_onnx, write_imported
from .pytorch_export import export_pytorch

__all__ = ["convert_onnx_file", "export_onnx", "export_pytorch", "import_onnx", "save_onnx",
           "weights_path_for", "write_imported"]
