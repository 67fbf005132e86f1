"""Input images for forward passes: procedural samples, image files, and the preparation pipeline.

Every image here is a float32 array laid out (C, H, W) with values in [0, 1]. The CLI and the app
both turn a source into a network input the same way, so a feature map looks identical in both:

1. ``load_image_source(source)`` gives the *original* image.
   - ``"sample:NAME"`` renders a procedural sample (see ``SAMPLES``) at 256×256 by default.
   - Anything else is a file path decoded with Pillow (PNG, JPEG and other still formats it reads).
     The EXIF orientation is applied; 8-bit values are divided by 255 and 16-bit ones by 65535;
     palettes are expanded; transparency is composited over white. Grayscale files stay one
     channel (C = 1); everything else becomes RGB (C = 3). Files above ``MAX_IMAGE_PIXELS`` are
     shrunk on load by the smallest whole factor that fits (box averaging), to bound memory.
2. ``prepare_image(image, channels, height, width, normalize=...)`` makes the Input layer's C×H×W.
   - Channels: RGB → 1 channel uses the ITU-R BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B. In every
     other case output channel k copies source channel k mod C_src: gray → RGB repeats the gray
     plane, RGB → 2 keeps R, G, RGB → 4 gives R, G, B, R.
   - Size: each channel is stretched to exactly H×W (no crop, the whole picture stays visible) with
     Pillow's BILINEAR filter on float32 data: a triangle filter on aligned pixel centres that
     widens when shrinking, so downscaling averages instead of skipping pixels (what
     torchvision's Resize does to PIL images). Results are clipped to [0, 1].
   - Normalization (optional): x' = (x − mean[c]) / std[c], with ImageNet's statistics for
     ``"imagenet"`` or a given ``(mean, std)`` pair; without it the values stay in [0, 1].
3. ``to_batch(image)`` adds the batch axis: (1, C, H, W), what the engine runs on.
"""

from __future__ import annotations

import math
import operator
import os
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from convstudio.errors import ConvStudioError

DEFAULT_SAMPLE_SIZE = (256, 256)
SAMPLE_PREFIX = "sample:"
MAX_IMAGE_PIXELS = 4096 * 4096
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_NOISE_SEED = 20240607
_SUPERSAMPLE_BUDGET = 1 << 22  # samples per image; keeps large renders within ~100 MB

Normalization = str | tuple[Sequence[float] | float, Sequence[float] | float] | None


# --------------------------------------------------------------------------- sample rendering


@dataclass(frozen=True)
class _Grid:
    """Sample positions, as broadcastable columns (y, v) and rows (x, u).

    x, y are measured in units of the image's shorter side with 0.5 at the centre, so shapes keep
    their proportions on non-square images; u, v run over [0, 1] across the full width and height.
    """

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray


Painter = Callable[[_Grid], np.ndarray]


def _check_size(height: int, width: int) -> tuple[int, int]:
    height, width = operator.index(height), operator.index(width)
    if height < 1 or width < 1:
        raise ConvStudioError(f"an image must be at least 1×1 pixels, got {height}×{width}")
    return height, width


def _supersampling(height: int, width: int) -> int:
    """Samples per pixel side: 4 for ordinary sizes, fewer for huge ones (memory)."""
    for factor in (4, 3, 2):
        if height * width * factor * factor <= _SUPERSAMPLE_BUDGET:
            return factor
    return 1


def _render(painter: Painter, height: int, width: int) -> np.ndarray:
    """Paint on a supersampled grid and box-average it down: cheap anti-aliased edges."""
    height, width = _check_size(height, width)
    ss = _supersampling(height, width)
    rows = (np.arange(height * ss) + 0.5) / ss
    cols = (np.arange(width * ss) + 0.5) / ss
    side = min(height, width)
    grid = _Grid(
        x=((cols - width / 2) / side + 0.5)[None, :],
        y=((rows - height / 2) / side + 0.5)[:, None],
        u=(cols / width)[None, :],
        v=(rows / height)[:, None],
    )
    hi = np.broadcast_to(painter(grid), (3, height * ss, width * ss))
    image = hi.reshape(3, height, ss, width, ss).mean(axis=(2, 4))
    return np.ascontiguousarray(np.clip(image, 0.0, 1.0), dtype=np.float32)


def _sample(painter: Painter) -> Callable[[int, int], np.ndarray]:
    def generate(height: int, width: int) -> np.ndarray:
        return _render(painter, height, width)

    generate.__name__ = painter.__name__.lstrip("_")
    generate.__doc__ = "Render at (height, width): RGB float32 (3, H, W) in [0, 1]."
    return generate


def _gray(mask: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(mask, dtype=np.float64), (3, *np.shape(mask)))


def _unit(degrees: float) -> tuple[float, float]:
    """(sin, cos) rounded so that 90° gives exact 1 and 0, and 45° equal parts."""
    radians = math.radians(degrees)
    return round(math.sin(radians), 12), round(math.cos(radians), 12)


def _disc(g: _Grid, cx: float, cy: float, r: float) -> np.ndarray:
    return (g.x - cx) ** 2 + (g.y - cy) ** 2 <= r * r


def _rect(g: _Grid, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return (g.x >= x0) & (g.x <= x1) & (g.y >= y0) & (g.y <= y1)


def _polygon(g: _Grid, vertices: Sequence[tuple[float, float]]) -> np.ndarray:
    """Inside a convex polygon given clockwise on screen (y down)."""
    inside = np.ones(np.broadcast_shapes(g.x.shape, g.y.shape), dtype=bool)
    for (ax, ay), (bx, by) in zip(vertices, [*vertices[1:], vertices[0]], strict=True):
        inside &= (bx - ax) * (g.y - ay) - (by - ay) * (g.x - ax) >= 0
    return inside


def _triangle_vertices(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    """An upward equilateral triangle with centroid (cx, cy) and circumradius r, clockwise."""
    dx = r * math.sqrt(3) / 2
    return [(cx, cy - r), (cx + dx, cy + r / 2), (cx - dx, cy + r / 2)]


def _segment(g: _Grid, a: tuple[float, float], b: tuple[float, float], half: float) -> np.ndarray:
    """Within `half` of segment ab: a pen stroke with round caps."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = np.clip(((g.x - ax) * dx + (g.y - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return (g.x - ax - t * dx) ** 2 + (g.y - ay - t * dy) ** 2 <= half * half


def _paint(canvas: np.ndarray, mask: np.ndarray, colour: Sequence[float]) -> np.ndarray:
    return np.where(mask, np.asarray(colour, dtype=np.float64)[:, None, None], canvas)


def _checkerboard(g: _Grid) -> np.ndarray:
    cell = 1 / 8
    parity = (np.floor((g.x - 0.5) / cell) + np.floor((g.y - 0.5) / cell)) % 2
    return _gray(parity == 0)


def _stripes(degrees: int) -> Painter:
    sin, cos = _unit(degrees)

    def painter(g: _Grid) -> np.ndarray:
        across = (g.x - 0.5) * sin + (g.y - 0.5) * cos
        return _gray((across * 8) % 1.0 < 0.5)

    painter.__name__ = f"_stripes_{degrees}"
    return painter


def _circle(g: _Grid) -> np.ndarray:
    return _gray(_disc(g, 0.5, 0.5, 0.3))


def _square(g: _Grid) -> np.ndarray:
    return _gray(_rect(g, 0.25, 0.25, 0.75, 0.75))


def _triangle(g: _Grid) -> np.ndarray:
    return _gray(_polygon(g, _triangle_vertices(0.5, 0.55, 0.34)))


def _shapes(g: _Grid) -> np.ndarray:
    canvas = np.broadcast_to(np.array([0.1, 0.1, 0.12])[:, None, None], (3, 1, 1))
    canvas = _paint(canvas, _disc(g, 0.27, 0.3, 0.17), (0.9, 0.2, 0.2))
    canvas = _paint(canvas, _rect(g, 0.58, 0.15, 0.88, 0.45), (0.2, 0.8, 0.3))
    return _paint(canvas, _polygon(g, _triangle_vertices(0.5, 0.74, 0.22)), (0.25, 0.4, 0.95))


def _gradient(g: _Grid) -> np.ndarray:
    return _gray(np.broadcast_to(g.u, np.broadcast_shapes(g.u.shape, g.v.shape)))


def _digit(g: _Grid) -> np.ndarray:
    half = 0.055
    top = _segment(g, (0.28, 0.22), (0.72, 0.22), half)
    stem = _segment(g, (0.72, 0.22), (0.43, 0.8), half)
    return _gray(top | stem)


def _scene(g: _Grid) -> np.ndarray:
    depth = np.clip(g.y / 0.65, 0.0, 1.0)
    zenith, horizon = np.array([0.2, 0.45, 0.9]), np.array([0.75, 0.88, 1.0])
    canvas = zenith[:, None, None] + (horizon - zenith)[:, None, None] * depth[None]
    layers = [
        (_disc(g, 0.8, 0.2, 0.09), (1.0, 0.85, 0.2)),
        (g.y >= 0.6 + 0.05 * np.sin(2 * np.pi * (1.3 * g.x + 0.1)), (0.45, 0.7, 0.35)),
        (g.y >= 0.74 + 0.04 * np.sin(2 * np.pi * (0.9 * g.x + 0.6)), (0.2, 0.5, 0.15)),
        (_rect(g, 0.28, 0.52, 0.52, 0.78), (0.9, 0.78, 0.55)),
        (_polygon(g, [(0.25, 0.53), (0.4, 0.38), (0.55, 0.53)]), (0.7, 0.15, 0.1)),
        (_rect(g, 0.33, 0.64, 0.39, 0.78), (0.4, 0.22, 0.1)),
        (_rect(g, 0.44, 0.57, 0.49, 0.62), (0.55, 0.8, 0.95)),
        (_rect(g, 0.68, 0.6, 0.71, 0.77), (0.35, 0.2, 0.08)),
        (_disc(g, 0.695, 0.55, 0.07), (0.1, 0.4, 0.15)),
    ]
    for mask, colour in layers:
        canvas = _paint(canvas, mask, colour)
    return canvas


def _noise(height: int, width: int) -> np.ndarray:
    """Uniform colour noise from a fixed seed: the same bytes for the same size, every call."""
    height, width = _check_size(height, width)
    rng = np.random.default_rng([_NOISE_SEED, height, width])
    return rng.random((3, height, width), dtype=np.float32)


def _drawn(shape: str) -> Callable[[int, int], np.ndarray]:
    """A black outline on white drawn with PIL.ImageDraw, as a paint program's shape tools draw it.

    No anti-aliasing and a pen of about 3 % of the shorter side (at least 1 pixel): what a person
    drawing a test image for the `shapes` classes would make, drawn independently of that dataset.
    """

    def generate(height: int, width: int) -> np.ndarray:
        height, width = _check_size(height, width)
        side = min(height, width)
        pen = max(1, round(side * 0.03))
        cx, cy = width / 2, height / 2
        canvas = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(canvas)
        if shape == "circle":
            r = side * 0.3
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=0, width=pen)
        elif shape == "square":
            r = side * 0.26
            draw.rectangle([cx - r, cy - r, cx + r, cy + r], outline=0, width=pen)
        else:
            points = [(cx + side * (x - 0.5), cy + side * (y - 0.5)) for x, y in _triangle_vertices(0.5, 0.56, 0.34)]
            draw.polygon(points, outline=0, width=pen)
        gray = np.asarray(canvas, dtype=np.float32) / np.float32(255)
        return np.ascontiguousarray(np.broadcast_to(gray, (3, height, width)))

    generate.__name__ = f"paint_{shape}"
    generate.__doc__ = "Render at (height, width): RGB float32 (3, H, W) in [0, 1], black on white."
    return generate


_STRIPE_ANGLES = (0, 45, 90, 135)

_SAMPLE_TABLE: dict[str, tuple[Callable[[int, int], np.ndarray], str]] = {
    "checkerboard": (_sample(_checkerboard), "Black and white squares, 8 across the shorter side"),
    **{
        f"stripes-{a}": (
            _sample(_stripes(a)),
            f"Black and white stripes running at {a}° (counter-clockwise from horizontal)",
        )
        for a in _STRIPE_ANGLES
    },
    "circle": (_sample(_circle), "A white disc on black: edges at every orientation"),
    "square": (_sample(_square), "A white square on black: horizontal and vertical edges only"),
    "triangle": (_sample(_triangle), "A white triangle on black: one flat and two slanted edges"),
    "paint-circle": (_drawn("circle"), "A circle outlined in black on white, as a paint program's ellipse tool draws it"),
    "paint-square": (_drawn("square"), "A square outlined in black on white, as a paint program's rectangle tool draws it"),
    "paint-triangle": (_drawn("triangle"), "A triangle outlined in black on white, as a paint program's polygon tool draws it"),
    "shapes": (_sample(_shapes), "A red disc, green square and blue triangle on dark grey, apart from one another"),
    "gradient": (_sample(_gradient), "A gray ramp from black (left) to white (right)"),
    "noise": (_noise, "Seeded uniform colour noise (the same for the same size)"),
    "digit": (_sample(_digit), "A 7 drawn with two pen strokes, white on black like MNIST"),
    "scene": (_sample(_scene), "A colourful landscape: sky, sun, hills, a house and a tree"),
}

SAMPLES: Mapping[str, Callable[[int, int], np.ndarray]] = MappingProxyType(
    {name: generator for name, (generator, _) in _SAMPLE_TABLE.items()}
)


def sample_names() -> list[str]:
    """Sample names in display order."""
    return list(SAMPLES)


def sample_description(name: str) -> str:
    """One line describing a sample, for a tooltip."""
    return _SAMPLE_TABLE[_known_sample(name)][1]


def _known_sample(name: str) -> str:
    if name not in SAMPLES:
        raise ConvStudioError(
            f"unknown sample image {name!r}; choose one of: {', '.join(SAMPLES)}"
        )
    return name


# --------------------------------------------------------------------------- image files


def load_image_source(
    source: str | os.PathLike[str], *, sample_size: tuple[int, int] = DEFAULT_SAMPLE_SIZE
) -> np.ndarray:
    """The original image of `source` ("sample:NAME" or a file path) as float32 (C, H, W) in [0, 1].

    Samples are rendered at `sample_size` (height, width); rendering at the Input layer's size
    instead of resizing gives the crispest small inputs.
    """
    text = os.fspath(source)
    if text.startswith(SAMPLE_PREFIX):
        return SAMPLES[_known_sample(text[len(SAMPLE_PREFIX):])](*sample_size)
    return _load_file(text)


def _load_file(path: str) -> np.ndarray:
    if not os.path.exists(path):
        raise ConvStudioError(f"cannot read image {path}: no such file")
    if os.path.isdir(path):
        raise ConvStudioError(f"cannot read image {path}: it is a folder, not a file")
    if os.path.getsize(path) == 0:
        raise ConvStudioError(f"cannot read image {path}: the file is empty")
    try:
        with Image.open(path) as opened:
            image = _working_mode(ImageOps.exif_transpose(opened))
            return _to_array(_shrink(image))
    except Image.DecompressionBombError:
        raise ConvStudioError(f"cannot read image {path}: too many pixels to decode") from None
    except UnidentifiedImageError:
        raise ConvStudioError(
            f"cannot read image {path}: not a PNG, JPEG or other supported image file"
        ) from None
    except OSError as exc:
        if exc.errno is not None:  # the file system refused, e.g. permission denied
            raise ConvStudioError(f"cannot read image {path}: {exc.strerror}") from None
        raise ConvStudioError(_damaged(path, exc)) from None
    except (ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise ConvStudioError(_damaged(path, exc)) from None


def _damaged(path: str, exc: Exception) -> str:
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return f"cannot read image {path}: the image data is damaged or incomplete ({detail})"


def _working_mode(image: Image.Image) -> Image.Image:
    """Reduce Pillow's many modes to L, LA, RGB, RGBA, I (16-bit gray) or F."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "I", "F"):
        return image
    if mode.startswith("I;16"):
        return image.convert("I")
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        transparent = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if transparent else "RGB")
    if mode == "La":
        return image.convert("LA")
    if mode == "RGBa":
        return image.convert("RGBA")
    return image.convert("RGB")


def _shrink(image: Image.Image) -> Image.Image:
    """Box-reduce images above MAX_IMAGE_PIXELS by the smallest whole factor that fits."""
    pixels = image.width * image.height
    if pixels <= MAX_IMAGE_PIXELS:
        return image
    return image.reduce(math.ceil(math.sqrt(pixels / MAX_IMAGE_PIXELS)))


def _to_array(image: Image.Image) -> np.ndarray:
    """Pixels of a working-mode image as (C, H, W) in [0, 1], alpha composited over white."""
    data = np.asarray(image)
    if image.mode == "I":
        values = np.clip(data, 0, 65535).astype(np.float32) / np.float32(65535)
    elif image.mode == "F":
        values = np.clip(data, 0.0, 1.0).astype(np.float32)
    else:
        values = data.astype(np.float32) / np.float32(255)
    values = values.reshape(image.height, image.width, -1).transpose(2, 0, 1)
    if image.mode in ("LA", "RGBA"):
        colour, alpha = values[:-1], values[-1:]
        values = colour * alpha + (np.float32(1) - alpha)
    return np.ascontiguousarray(values, dtype=np.float32)


# --------------------------------------------------------------------------- preparation


def prepare_image(
    image: np.ndarray,
    channels: int,
    height: int,
    width: int,
    *,
    normalize: Normalization = None,
) -> np.ndarray:
    """Convert an original (C, H, W) image into the Input layer's channels×height×width.

    See the module docstring for each step; this is the single place the CLI and the app use.
    """
    source = _as_chw(image)
    channels = _positive("channels", channels)
    height, width = _positive("height", height), _positive("width", width)
    stats = _normalization(normalize, channels)
    if channels > source.shape[0]:  # copying channels after resizing is identical and cheaper
        out = _convert_channels(_resize(source, height, width), channels)
    else:
        out = _resize(_convert_channels(source, channels), height, width)
    return _normalized(np.clip(out, 0.0, 1.0), stats)


def normalize_images(images: np.ndarray, normalize: Normalization) -> np.ndarray:
    """Step 3 of `prepare_image` alone, for images already C×H×W: (C, H, W) or a batch (N, C, H, W).

    Datasets drawn directly at the Input's size use it, so they normalize exactly as the pipeline does.
    """
    array = np.asarray(images, dtype=np.float32)
    return _normalized(array, _normalization(normalize, array.shape[-3]))


def _normalized(images: np.ndarray, stats: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    if stats is not None:
        mean, std = stats
        images = (images - mean) / std
    return np.ascontiguousarray(images, dtype=np.float32)


def _as_chw(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 3 or 0 in array.shape:
        raise ValueError(f"expected a non-empty (C, H, W) image, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"expected a float image with values in [0, 1], got {array.dtype}")
    return array.astype(np.float32, copy=False)


def _positive(name: str, value: int) -> int:
    value = operator.index(value)
    if value < 1:
        raise ConvStudioError(f"input {name} must be at least 1, got {value}")
    return value


def _normalization(spec: Normalization, channels: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-channel (mean, std) as (C, 1, 1) arrays, or None for plain [0, 1] values."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "imagenet":
            raise ConvStudioError(
                f"unknown normalization {spec!r}; use 'imagenet' or a (mean, std) pair"
            )
        if channels != 3:
            raise ConvStudioError(
                f"ImageNet normalization needs 3 input channels, the Input layer has {channels}"
            )
        spec = (IMAGENET_MEAN, IMAGENET_STD)
    try:
        mean_spec, std_spec = spec
        mean = np.asarray(mean_spec, dtype=np.float64).reshape(-1)
        std = np.asarray(std_spec, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ConvStudioError(
            "normalization must be None, 'imagenet' or a (mean, std) pair of numbers"
        ) from None
    for label, values in (("mean", mean), ("std", std)):
        if values.size not in (1, channels) or not np.all(np.isfinite(values)):
            raise ConvStudioError(
                f"normalization {label} needs 1 or {channels} finite values, got {values.tolist()}"
            )
    if np.any(std <= 0):
        raise ConvStudioError(f"normalization std must be positive, got {std.tolist()}")
    return mean.reshape(-1, 1, 1), std.reshape(-1, 1, 1)


def _convert_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """BT.601 luma for RGB → 1; otherwise output channel k is source channel k mod C."""
    count = image.shape[0]
    if channels == count:
        return image
    if channels == 1 and count == 3:
        luma = np.tensordot(np.asarray(LUMA_WEIGHTS), image.astype(np.float64), axes=1)
        return luma[None].astype(np.float32)
    return image[np.arange(channels) % count]


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Pillow BILINEAR per channel on float32 data ("F" mode), so no 8-bit rounding occurs."""
    if image.shape[1:] == (height, width):
        return image
    planes = [
        np.asarray(Image.fromarray(np.ascontiguousarray(plane)).resize(
            (width, height), Image.Resampling.BILINEAR
        ))
        for plane in image
    ]
    return np.stack(planes)


def to_batch(image: np.ndarray) -> np.ndarray:
    """A (C, H, W) image as a contiguous float32 batch of one, (1, C, H, W)."""
    return np.ascontiguousarray(_as_chw(image)[None], dtype=np.float32)


def image_to_uint8_rgb(image: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 preview of a (C, H, W) or (H, W) image, clipped to [0, 1].

    One channel (or a 2-D array) shows as gray, three or more as RGB from the first three;
    two channels show the first as gray. NaN shows as black.
    """
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise ValueError(f"expected a (C, H, W) or (H, W) image, got shape {array.shape}")
    planes = array[:3] if array.shape[0] >= 3 else array[:1].repeat(3, axis=0)
    values = np.clip(np.nan_to_num(planes, nan=0.0), 0.0, 1.0)
    return np.ascontiguousarray(np.rint(values * 255).astype(np.uint8).transpose(1, 2, 0))
