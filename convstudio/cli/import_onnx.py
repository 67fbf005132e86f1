"""`convstudio import MODEL.onnx -o NET.json`: an ONNX model as a network file plus NET.weights.npz."""
from __future__ import annotations

from ..engine.infer import infer
from ..interop import convert_onnx_file, weights_path_for


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="convert an ONNX model into a network file and its weights",
                       description="Convert an ONNX model made of convolutional layers into a network JSON file "
                                   "and NAME.weights.npz beside it (needs the onnx extra). Nothing is written "
                                   "unless everything converts. Exit 0 written, 2 on any problem.")
    p.add_argument("model", help="ONNX file")
    p.add_argument("-o", "--output", required=True, help="network JSON file to write")


def run(args) -> int:
    net = convert_onnx_file(args.model, args.output)
    params = infer(net).total_params
    print(f"wrote {args.output} and {weights_path_for(args.output)} "
          f"({net.name}: {len(net)} layers, {params:,} parameters)")
    return 0
