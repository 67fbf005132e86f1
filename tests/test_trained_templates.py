"""The bundled TinyVGG and FCN-3 ship trained weights: shapes drawn as in a paint program are recognised."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from convstudio import run
from convstudio.engine import images
from convstudio.engine.weights import load_weights
from convstudio.io.templates import load_template, template_path
from convstudio.io.paths import weights_beside

CLASSES = ["circle", "square", "triangle"]


def bundled(name):
    net = load_template(name)
    return net, load_weights(weights_beside(template_path(name), net.weights), net)


def drawing(shape: str, size: int, fill, outline, width: int, background, box) -> np.ndarray:
    """A shape drawn with PIL's shape tools, as someone would in a paint program."""
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = box
    if shape == "circle":
        draw.ellipse(box, fill=fill, outline=outline, width=width)
    elif shape == "square":
        draw.rectangle(box, fill=fill, outline=outline, width=width)
    else:
        draw.polygon([((x0 + x1) / 2, y0), (x1, y1), (x0, y1)], fill=fill, outline=outline, width=width)
    return np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255


DRAWINGS = [  # (shape, canvas size, fill, outline, stroke width, background, bounding box)
    ("circle", 200, None, "black", 6, "white", (40, 40, 160, 160)),
    ("square", 200, None, "black", 6, "white", (45, 45, 155, 155)),
    ("triangle", 200, None, "black", 6, "white", (35, 40, 165, 160)),
    ("circle", 120, "red", None, 1, "white", (20, 25, 95, 100)),
    ("square", 120, "blue", None, 1, "white", (30, 20, 100, 90)),
    ("triangle", 120, "green", None, 1, "white", (15, 20, 105, 100)),
]


def test_labels_and_weights_travel_with_the_templates():
    for name in ("tinyvgg", "fcn3"):
        net, weights = bundled(name)
        assert net.labels == CLASSES and weights
        assert "convstudio train template:" in net.description


@pytest.mark.parametrize("drawn", DRAWINGS, ids=[f"{d[0]}-{d[2] or 'outline'}" for d in DRAWINGS])
def test_tinyvgg_recognises_shapes_drawn_by_hand(drawn):
    net, weights = bundled("tinyvgg")
    picture = drawing(*drawn)
    x = images.to_batch(images.prepare_image(picture, 3, 64, 64))
    scores = run(net, x, weights)["dense"][0]
    assert CLASSES[int(np.argmax(scores))] == drawn[0]


def test_fcn3_lights_up_each_shape_where_it_is():
    net, weights = bundled("fcn3")
    scene = images.load_image_source("sample:shapes", sample_size=(128, 128))
    x = images.to_batch(images.prepare_image(scene, 3, 128, 128))
    scores = run(net, x, weights)["score"][0]          # 3×9×9: one set of class scores per place
    best = scores.argmax(axis=0)
    assert scores.shape == (3, 9, 9)
    for k in range(3):  # every class wins somewhere on the scene
        assert (best == k).any(), CLASSES[k]
    # Score (i, j) looks at a window centred on pixel (32 + 8i, 32 + 8j): the circle sits near (38, 35)
    # and the square near (38, 93) in sample:shapes.
    assert CLASSES[best[1, 0]] == "circle" and CLASSES[best[1, 8]] == "square"
