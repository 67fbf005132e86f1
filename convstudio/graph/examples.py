"""A network that uses every layer type with each of its declared `examples`.

Tests of the exports, the import and the engine run it, so a new type is covered by
declaring it: every example gets its own branch from one image (or from that image
flattened, for types that take a vector), and types that take vectors as well get a
second branch there.
"""
from __future__ import annotations

from .. import layers
from .commands import AddNode
from .network import Network
from .node import coerce_params


def every_type_network(name: str = "Every layer type") -> Network:
    image_decl = next(d for d in map(layers.get, layers.names()) if d.is_input)
    net = Network(name)
    AddNode(image_decl.name, image_decl.examples[0], (0.0, 0.0), node_id="image").redo(net)
    image = image_decl.output_shape(net.node("image").params, [])
    flattener = next(d for d in map(layers.get, layers.names()) if d.flattens)
    flat = {"id": None}

    def vector() -> str:
        if flat["id"] is None:
            flat["id"] = _add(net, flattener, {}, ["image"], (200.0, 0.0), "flat_image")
        return flat["id"]

    for column, decl in enumerate(map(layers.get, layers.names())):
        if decl.is_input:
            continue
        for row, example in enumerate(decl.examples):
            source = "image" if _fits(decl, example, image) else vector()
            _add(net, decl, example, [source] * max(decl.min_inputs, 1), (200.0 * column, 100.0 * (row + 1)))
        on_image = _fits(decl, decl.examples[0], image)
        vector_shape = (image[0] * image[1] * image[2],)
        if on_image and _fits(decl, decl.examples[0], vector_shape):
            _add(net, decl, decl.examples[0], [vector()] * max(decl.min_inputs, 1),
                 (200.0 * column, 100.0 * (len(decl.examples) + 1)))
    return net


def _fits(decl: layers.LayerType, example: dict, shape: layers.Shape) -> bool:
    params = coerce_params(decl.name, example)
    try:
        decl.output_shape(params, [shape] * max(decl.min_inputs, 1))
    except layers.ShapeError:
        return False
    return True


def _add(net: Network, decl: layers.LayerType, params: dict, inputs: list[str], position, node_id=None) -> str:
    node_id = node_id or net.new_id(decl.prefix())
    AddNode(decl.name, params, position, node_id=node_id, inputs=inputs).redo(net)
    return node_id
