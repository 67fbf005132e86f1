"""Generate the bundled template networks and the published JSON Schema.

Each network is built through the same undoable edit commands the app uses, laid out
with `layered_positions` and written with `save_network`, so a template is exactly a
file a user could have saved. Run it after changing a template or a layer declaration:

    python tools/make_templates.py            # rewrite resources/networks/*.json and the schema
    python tools/make_templates.py --check    # exit 1 if a committed file is out of date
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from convstudio.graph import AddNode, MoveNodes, Network, SetMeta, layered_positions
from convstudio.graph.layout import ROW
from convstudio.io import dumps, save_network, schema_text
from convstudio.io.atomic import write_atomic

NETWORKS = ROOT / "resources" / "networks"
SCHEMA = ROOT / "resources" / "schema" / "network-v1.schema.json"


WRAP_PITCH = 260.0  # between wrapped columns: a card's width plus room for the edge that climbs beside it


class Builder:
    """Adds layers one after another; each reads the previous one unless `inputs` is given."""

    def __init__(self, name: str, description: str):
        self.net = Network()
        SetMeta(name=name, description=description).redo(self.net)
        self.last: str | None = None

    def add(self, type_name: str, node_id: str, inputs: list[str] | None = None, **params) -> str:
        if inputs is None:
            inputs = [self.last] if self.last else []
        AddNode(type_name, params, node_id=node_id, inputs=inputs).redo(self.net)
        self.last = node_id
        return node_id

    def trained(self, name: str, labels: tuple[str, ...]) -> None:
        """The network names its classes and the weights file `convstudio train` wrote beside it."""
        SetMeta(labels=list(labels), weights=f"{name}.weights.npz").redo(self.net)

    def finish(self, rows: int | None = None) -> Network:
        """Lay the layers out top to bottom; with `rows`, a chain wraps into columns of that many rows,
        so a long small network fits a short screen whole (TinyVGG on 1366×768)."""
        positions = layered_positions(self.net)
        if rows:
            positions = {nid: ((y // ROW // rows) * WRAP_PITCH + x, (y // ROW % rows) * ROW)
                         for nid, (x, y) in positions.items()}
        MoveNodes(positions).redo(self.net)
        return self.net


def lenet5() -> Network:
    b = Builder("LeNet-5", (
        "LeNet-5 (LeCun et al., 1998) in its modern form: ReLU instead of tanh, max-pooling instead of "
        "subsampling, and a plain 10-way Dense output. It reads a 1×32×32 grayscale digit.\n\n"
        "Why the numbers: conv1 has 6 filters of 1×5×5 weights plus a bias each, 6·(25 + 1) = 156 "
        "parameters; conv2 has 16 filters that each span all 6 input channels, 16·(6·25 + 1) = 2,416. "
        "Without padding a 5×5 window shrinks 32 to 28 and 14 to 10; each 2×2 pool halves the size, so "
        "Flatten sees 16×5×5 = 400 values. The Dense layers then cost 400·120 + 120 = 48,120, "
        "120·84 + 84 = 10,164 and 84·10 + 10 = 850 parameters: 61,706 in all, 416,520 MACs per image. "
        "Ten outputs, one per digit 0–9."))
    b.add("Input", "image", channels=1, height=32, width=32)
    b.add("Conv2D", "conv1", filters=6, kernel_size=5)
    b.add("ReLU", "relu1")
    b.add("MaxPool2D", "pool1", kernel_size=2)
    b.add("Conv2D", "conv2", filters=16, kernel_size=5)
    b.add("ReLU", "relu2")
    b.add("MaxPool2D", "pool2", kernel_size=2)
    b.add("Flatten", "flatten")
    b.add("Dense", "fc1", units=120)
    b.add("ReLU", "relu3")
    b.add("Dense", "fc2", units=84)
    b.add("ReLU", "relu4")
    b.add("Dense", "fc3", units=10)
    return b.finish()


def alexnet() -> Network:
    b = Builder("AlexNet", (
        "AlexNet (Krizhevsky et al., 2012) as torchvision builds it: five convolutions with 64, 192, 384, "
        "256 and 256 filters (the original paper had 96-256-384-384-256 split over two GPUs), three "
        "overlapping 3×3 max-pools with stride 2, and three Dense layers. 61,100,840 parameters.\n\n"
        "Why the numbers: the 11×11 stride-4 first layer turns 224 into 55 at once; the pools take 55 to "
        "27, 27 to 13 and 13 to 6, so Flatten sees 256×6×6 = 9,216 values. The first Dense layer alone "
        "holds 9,216·4,096 + 4,096 = 37,752,832 parameters, more than half the network. torchvision puts "
        "an AdaptiveAvgPool2d(6×6) before the classifier so other image sizes still give 6×6; at 224×224 "
        "it changes nothing and is left out here. 4,096 is the width AlexNet chose for its hidden Dense "
        "layers; 1,000 is the number of ImageNet classes. Dropout only acts while training."))
    b.add("Input", "image", channels=3, height=224, width=224)
    b.add("Conv2D", "conv1", filters=64, kernel_size=11, stride=4, padding=2)
    b.add("ReLU", "relu1")
    b.add("MaxPool2D", "pool1", kernel_size=3, stride=2)
    b.add("Conv2D", "conv2", filters=192, kernel_size=5, padding=2)
    b.add("ReLU", "relu2")
    b.add("MaxPool2D", "pool2", kernel_size=3, stride=2)
    b.add("Conv2D", "conv3", filters=384, kernel_size=3, padding=1)
    b.add("ReLU", "relu3")
    b.add("Conv2D", "conv4", filters=256, kernel_size=3, padding=1)
    b.add("ReLU", "relu4")
    b.add("Conv2D", "conv5", filters=256, kernel_size=3, padding=1)
    b.add("ReLU", "relu5")
    b.add("MaxPool2D", "pool5", kernel_size=3, stride=2)
    b.add("Flatten", "flatten")
    b.add("Dropout", "drop6", rate=0.5)
    b.add("Dense", "fc6", units=4096)
    b.add("ReLU", "relu6")
    b.add("Dropout", "drop7", rate=0.5)
    b.add("Dense", "fc7", units=4096)
    b.add("ReLU", "relu7")
    b.add("Dense", "fc8", units=1000)
    return b.finish()


def vgg16() -> Network:
    b = Builder("VGG-16", (
        "VGG-16 (Simonyan & Zisserman, 2014), configuration D, as torchvision builds it: 13 convolutions "
        "with 3×3 filters and padding 1, so each keeps the size, and five 2×2 max-pools with stride 2 that "
        "halve it: 224 → 112 → 56 → 28 → 14 → 7. 138,357,544 parameters, 15,470,264,320 MACs.\n\n"
        "Why the numbers: pool5 leaves 512×7×7 = 25,088 values, so fc6 has 25,088·4,096 + 4,096 = "
        "102,764,544 parameters — three quarters of the network; fc7 has 4,096·4,096 + 4,096 = 16,781,312 "
        "and fc8 4,096·1,000 + 1,000 = 4,097,000, while all 13 convolutions together hold 14,714,688. "
        "4,096 is simply the width VGG chose for its penultimate layers; 1,000 is the number of ImageNet "
        "classes. Going straight from 7×7×512 to 1,000 scores would work too (a single linear layer); the "
        "two 4,096-wide hidden layers with ReLU let the network combine its features non-linearly first. "
        "fc6 is the same as a 7×7 convolution with K = 4,096 on the 7×7×512 map (output "
        "1×1×4,096), fc7 and fc8 the same as 1×1 convolutions with K = 4,096 and K = 1,000, with "
        "unchanged parameter counts. torchvision's AdaptiveAvgPool2d(7×7) is the identity at 224×224 "
        "and is left out. Dropout only acts while training."))
    b.add("Input", "image", channels=3, height=224, width=224)
    for block, (convs, filters) in enumerate([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], start=1):
        for i in range(1, convs + 1):
            b.add("Conv2D", f"conv{block}_{i}", filters=filters, kernel_size=3, padding=1)
            b.add("ReLU", f"relu{block}_{i}")
        b.add("MaxPool2D", f"pool{block}", kernel_size=2, stride=2)
    b.add("Flatten", "flatten")
    b.add("Dense", "fc6", units=4096)
    b.add("ReLU", "relu6")
    b.add("Dropout", "drop6", rate=0.5)
    b.add("Dense", "fc7", units=4096)
    b.add("ReLU", "relu7")
    b.add("Dropout", "drop7", rate=0.5)
    b.add("Dense", "fc8", units=1000)
    return b.finish()


def resnet18() -> Network:
    b = Builder("ResNet-18", (
        "ResNet-18 (He et al., 2015) as torchvision builds it, with torchvision's module names as ids "
        "(layer2.0.downsample.0 …). A 7×7 stride-2 convolution and a 3×3 stride-2 max-pool take 224 to 56; "
        "four stages of two BasicBlocks follow (64, 128, 256, 512 channels). Each block is conv 3×3 → "
        "BatchNorm → ReLU → conv 3×3 → BatchNorm, added to its own input (the residual connection) and "
        "passed through ReLU. The first block of stages 2–4 halves the size with stride 2, so its shortcut "
        "needs a 1×1 stride-2 convolution and a BatchNorm to match the new shape. GlobalAvgPool2D averages "
        "the 512×7×7 map to 512 values for a single 1,000-way Dense layer (the ImageNet classes).\n\n"
        "Why the numbers: 11,689,512 parameters, counted as torchvision does — convolutions have no bias "
        "because the BatchNorm after them has its own shift; BatchNorm counts its weight and bias (2 per "
        "channel), not its running statistics."))
    b.add("Input", "image", channels=3, height=224, width=224)
    b.add("Conv2D", "conv1", filters=64, kernel_size=7, stride=2, padding=3, bias=False)
    b.add("BatchNorm2D", "bn1")
    b.add("ReLU", "relu")
    b.add("MaxPool2D", "maxpool", kernel_size=3, stride=2, padding=1)
    channels = 64
    for stage, width in enumerate([64, 128, 256, 512], start=1):
        for block in range(2):
            stride = 2 if stage > 1 and block == 0 else 1
            name = f"layer{stage}.{block}"
            entry = b.last
            b.add("Conv2D", f"{name}.conv1", filters=width, kernel_size=3, stride=stride, padding=1, bias=False)
            b.add("BatchNorm2D", f"{name}.bn1")
            b.add("ReLU", f"{name}.relu1")
            b.add("Conv2D", f"{name}.conv2", filters=width, kernel_size=3, padding=1, bias=False)
            main = b.add("BatchNorm2D", f"{name}.bn2")
            shortcut = entry
            if stride != 1 or channels != width:
                b.add("Conv2D", f"{name}.downsample.0", inputs=[entry], filters=width, kernel_size=1,
                      stride=stride, bias=False)
                shortcut = b.add("BatchNorm2D", f"{name}.downsample.1")
            b.add("Add", f"{name}.add", inputs=[main, shortcut])
            b.add("ReLU", f"{name}.relu2")
            channels = width
    b.add("GlobalAvgPool2D", "avgpool")
    b.add("Flatten", "flatten")
    b.add("Dense", "fc", units=1000)
    return b.finish()


def tinyvgg() -> Network:
    b = Builder("TinyVGG", (
        "A tiny VGG-style network in the spirit of CNN Explainer (Wang et al., 2020), here with 3 classes: "
        "two blocks of [conv 3×3 → ReLU → conv 3×3 → ReLU → 2×2 max-pool] and one Dense layer. It is "
        "small enough that every run and every feature map is instant.\n\n"
        "Why the numbers: the convolutions have no padding, so each 3×3 window trims one pixel from every "
        "border: 64 → 62 → 60, pool → 30, → 28 → 26, pool → 13. Flatten then sees 10×13×13 = 1,690 values. "
        "conv1_1 has 10 filters of 3×3×3 weights plus a bias, 10·(27 + 1) = 280 parameters; the other "
        "convolutions see 10 channels, 10·(90 + 1) = 910 each; the Dense layer has 1,690·3 + 3 = 5,073. "
        "8,083 parameters in all. The 3 outputs are the class scores of circle, square and triangle.\n\n"
        f"{trained_note('tinyvgg', TINYVGG_TRAINING)}"))
    b.trained("tinyvgg", SHAPES)
    b.add("Input", "image", channels=3, height=64, width=64)
    for block in (1, 2):
        for i in (1, 2):
            b.add("Conv2D", f"conv{block}_{i}", filters=10, kernel_size=3)
            b.add("ReLU", f"relu{block}_{i}")
        b.add("MaxPool2D", f"pool{block}", kernel_size=2)
    b.add("Flatten", "flatten")
    b.add("Dense", "dense", units=3)
    return b.finish(rows=5)


def fcn3() -> Network:
    b = Builder("FCN-3", (
        "A fully convolutional 3-class network: no Flatten and no Dense layer, and it ends in 3×1×1 — "
        "one score per class. Can a network whose last layer is 1×1×3 classify a picture as dog, cat or "
        "horse? Yes: those three numbers are the class scores, exactly what a 3-unit Dense layer would "
        "give.\n\n"
        "How: three [conv 3×3, padding 1 → ReLU → 2×2 max-pool] stages take 3×64×64 to 64×8×8. conv4 is a "
        "fully connected layer written as a convolution: its 8×8 kernel covers the whole 8×8 map and gives "
        "64×1×1 (as VGG's fc6 becomes a 7×7 convolution). The 1×1 convolution `score` with K = 3 maps "
        "those 64 values to 3 scores. Because nothing fixes the input size, a larger image works too: at "
        "3×128×128 the same weights slide over the image and give a 3×9×9 map of class scores: each "
        "score looks at a 78×78 window (zero padding included) and neighbouring scores are 8 pixels apart.\n\n"
        f"{trained_note('fcn3', FCN3_TRAINING)}"))
    b.trained("fcn3", SHAPES)
    b.add("Input", "image", channels=3, height=64, width=64)
    for stage, filters in enumerate((16, 32, 64), start=1):
        b.add("Conv2D", f"conv{stage}", filters=filters, kernel_size=3, padding=1)
        b.add("ReLU", f"relu{stage}")
        b.add("MaxPool2D", f"pool{stage}", kernel_size=2)
    b.add("Conv2D", "conv4", filters=64, kernel_size=8)
    b.add("ReLU", "relu4")
    b.add("Conv2D", "score", filters=3, kernel_size=1)
    return b.finish()


SHAPES = ("circle", "square", "triangle")
# (options of `convstudio train`, validation accuracy it reached): the weights shipped beside the template.
TINYVGG_TRAINING = ("", "97.6 %")
FCN3_TRAINING = ("", "100.0 %")


def trained_note(name: str, training: tuple[str, str]) -> str:
    options, accuracy = training
    return (f"The weights beside it were trained on the built-in shapes dataset (circle, square, triangle) with "
            f"`convstudio train template:{name} --data shapes --fresh --seed 0 {options}-o {name}.json` (8 epochs of "
            f"Adam, learning rate 0.001, batches of 32 from 2,880 images): "
            f"{accuracy} of the 720 validation images right. The same command and seed give the same weights bit for bit on the same machine.")


TEMPLATES: dict[str, Callable[[], Network]] = {
    "lenet5": lenet5, "alexnet": alexnet, "vgg16": vgg16, "resnet18": resnet18, "tinyvgg": tinyvgg,
    "fcn3": fcn3,
}


def expected_files() -> dict[Path, str]:
    """Every generated file and the text it must hold."""
    files = {NETWORKS / f"{name}.json": dumps(make()) for name, make in TEMPLATES.items()}
    files[SCHEMA] = schema_text()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            if path.parent == NETWORKS:
                save_network(TEMPLATES[path.stem](), path)
            else:
                write_atomic(path, text.encode("utf-8"))
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
