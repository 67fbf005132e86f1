"""Exchange with other tools: PyTorch source, ONNX export and ONNX import.

The ONNX functions need the optional `onnx` package (pip install 'convstudio[onnx]');
it is imported only when one of them is called.
"""
from .onnx_export import export_onnx, save_onnx
from ..engine.weights import weights_path_for
from .onnx_import import convert_onnx_file, import_onnx, write_imported
from .pytorch_export import export_pytorch
from .pytorch_train import export_training_script, training_data_npz

__all__ = ["convert_onnx_file", "export_onnx", "export_pytorch", "export_training_script", "import_onnx",
           "save_onnx", "training_data_npz", "weights_path_for", "write_imported"]
