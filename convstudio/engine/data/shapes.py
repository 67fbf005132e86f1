"""The built-in `shapes` dataset: circles, squares and triangles drawn procedurally, seeded.

Each image is one shape at a random size (radius 22–42 % of the shorter side, triangles' circumradius 12 %
more so that they span about as much as the others), position (centre within
10 % of the picture's), rotation and colours, filled or outlined (stroke 1–4 px at 64×64, scaled with the
image), over a plain or gently graded background, with pixel noise. Colours keep a luma contrast of at
least 0.45 between shape and background; 35 % of the images are dark strokes on white paper and 25 % light
shapes on black, so a shape drawn in a paint program looks like a member of its class. Squares and
triangles vary a little in proportions (a hand-drawn square is rarely exact); triangles have angles
between about 50° and 70°. Shapes are drawn with signed distances in pixels, which anti-alias for free:
coverage is clip(0.5 − distance, 0, 1).

Everything is drawn from one NumPy generator seeded with `seed`, chunk by chunk, so the same seed,
count and size give the same bytes.

The default of 3,600 images (2,880 to train, 720 to validate) lets TinyVGG pass 95 % validation accuracy in
8 epochs of Adam (lr 1e-3, batch 32) with a margin: 97.6 % from seed 0. Drawing them takes about 0.4 s at
3×64×64 (benchmarks/datasets.py).
"""
from __future__ import annotations

import numpy as np

from ..images import LUMA_WEIGHTS

CLASSES = ("circle", "square", "triangle")
DEFAULT_COUNT = 3600
_CHUNK = 128  # images drawn at once: bounds the scratch arrays (about 2 MB each at 64×64)
_MIN_CONTRAST = 0.45  # luma difference between shape and background
_TRIANGLE_SCALE = 1.12  # the largest triangle's vertices stay inside the picture (0.42 · 1.12 · 1.05 < 0.5)
_SHIFT = 0.1  # largest offset of a shape's centre from the picture's, as a fraction of its height or width


def balanced_classes(count: int, seed: int) -> np.ndarray:
    """`count` class ids (N,) int64 in a seeded random order, each class within one of the others' count."""
    rng = np.random.default_rng([seed, 2])
    return rng.permutation(np.arange(count) % len(CLASSES)).astype(np.int64)


def generate(classes: np.ndarray, channels: int, height: int, width: int, seed: int) -> np.ndarray:
    """Images (N, C, H, W) float32 in [0, 1], one of class `classes[i]` at index i.

    Images are independent given their class, so a caller may order `classes` as it likes (the dataset puts
    the training part first, so both parts are views of one array and nothing is copied).
    """
    classes = np.asarray(classes, dtype=np.int64)
    rng = np.random.default_rng(seed)
    scene = _draw_parameters(rng, classes, height, width)
    out = np.empty((len(classes), channels, height, width), dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)[:, None] + np.float32(0.5)
    xs = np.arange(width, dtype=np.float32)[None, :] + np.float32(0.5)
    for start in range(0, len(classes), _CHUNK):
        part = {k: v[start:start + _CHUNK] for k, v in scene.items()}
        rgb = _render(part, ys, xs, rng)
        out[start:start + len(rgb)] = _channels(rgb, channels)
    return out


def _draw_parameters(rng: np.random.Generator, classes: np.ndarray, height: int, width: int) -> dict:
    """Every random choice per image, as arrays of length N (pixels for lengths)."""
    n = len(classes)
    side = min(height, width)
    radius = side * rng.uniform(0.22, 0.42, n)
    # A triangle spans 1.5 r of its circumradius r where a circle spans 2 r: draw triangles larger so
    # that size tells no class apart (a triangle drawn to fill the frame would otherwise read as a square).
    radius[classes == CLASSES.index("triangle")] *= _TRIANGLE_SCALE
    stroke = np.maximum(1.0, side / 64 * rng.uniform(1.0, 4.0, n))
    outlined = rng.random(n) < 0.5
    reach = radius * 1.15 + stroke  # keep the whole shape, stroke included, in the picture
    cy = height / 2 + rng.uniform(-1, 1, n) * np.clip(height / 2 - reach, 0, _SHIFT * height)
    cx = width / 2 + rng.uniform(-1, 1, n) * np.clip(width / 2 - reach, 0, _SHIFT * width)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    aspect = rng.uniform(0.93, 1.07, n)
    jitter = rng.uniform(-0.15, 0.15, (n, 3))  # triangle vertex angles, radians off 120° steps
    spread = rng.uniform(0.9, 1.05, (n, 3))  # triangle vertex distances, relative to radius
    fg, bg = _colours(rng, n)
    tilt = rng.uniform(-0.15, 0.15, (n, 3)) * (rng.random((n, 1)) < 0.5)  # a graded background, half the time
    tilt_angle = rng.uniform(0.0, 2 * np.pi, n)
    noise = rng.uniform(0.0, 0.06, n) * (rng.random(n) < 0.7)
    return dict(classes=classes, radius=radius, stroke=stroke, outlined=outlined, cy=cy, cx=cx, angle=angle,
                aspect=aspect, jitter=jitter, spread=spread, fg=fg, bg=bg, tilt=tilt, tilt_angle=tilt_angle,
                noise=noise, side=np.full(n, side, dtype=np.float64))


def _colours(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(shape colour, background colour) as (N, 3): paper-like, night-like or random with contrast."""
    style = rng.random(n)
    fg, bg = rng.random((n, 3)), rng.random((n, 3))
    paper, night = style < 0.35, (style >= 0.35) & (style < 0.6)
    bg[paper] = 1.0 - 0.2 * bg[paper]
    fg[paper] = 0.35 * fg[paper]
    bg[night] = 0.2 * bg[night]
    fg[night] = 0.65 + 0.35 * fg[night]
    luma = np.asarray(LUMA_WEIGHTS)
    for _ in range(64):  # redraw the random pairs that lack contrast; few remain after a handful of rounds
        weak = np.abs((fg - bg) @ luma) < _MIN_CONTRAST
        if not weak.any():
            break
        fg[weak] = rng.random((int(weak.sum()), 3))
    weak = np.abs((fg - bg) @ luma) < _MIN_CONTRAST
    fg[weak] = np.where((bg[weak] @ luma)[:, None] > 0.5, 0.0, 1.0)
    return fg, bg


def _render(p: dict, ys: np.ndarray, xs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB (n, 3, H, W) float32 of one chunk.

    Each channel is a mix of four maps — 1, a background ramp, the shape's coverage and noise — so the
    chunk is one small batched matrix product instead of many full-size colour operations.
    """
    n, height, width = len(p["classes"]), len(ys), xs.shape[1]
    col = lambda a: np.asarray(a, dtype=np.float32).reshape(n, 1, 1)  # noqa: E731
    dy, dx = ys[None] - col(p["cy"]), xs[None] - col(p["cx"])
    maps = np.empty((n, 4, height, width), dtype=np.float32)
    maps[:, 0] = 1.0
    maps[:, 1] = (np.cos(col(p["tilt_angle"])) * dx + np.sin(col(p["tilt_angle"])) * dy) / col(p["side"])
    dist = maps[:, 2]
    for k, shape in enumerate((_circle, _square, _triangle)):
        pick = p["classes"] == k
        if pick.any():
            dist[pick] = shape({key: v[pick] for key, v in p.items()}, dy[pick], dx[pick])
    outline = p["outlined"]
    dist[outline] = np.abs(dist[outline]) - (p["stroke"][outline] / 2).astype(np.float32)[:, None, None]
    np.clip(np.float32(0.5) - dist, 0.0, 1.0, out=dist)  # coverage
    maps[:, 3] = rng.random((n, height, width), dtype=np.float32)
    maps[:, 3] -= np.float32(0.5)  # uniform noise of standard deviation 1 / sqrt(12), scaled below
    mix = np.stack([p["bg"], p["tilt"], p["fg"] - p["bg"],
                    np.repeat(p["noise"][:, None] * np.sqrt(12), 3, axis=1)], axis=2).astype(np.float32)
    image = np.matmul(mix, maps.reshape(n, 4, height * width)).reshape(n, 3, height, width)
    return np.clip(image, 0.0, 1.0, out=image)


def _rotated(p: dict, dy: np.ndarray, dx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in the shape's own frame (turned by -angle)."""
    c = np.cos(p["angle"]).astype(np.float32)[:, None, None]
    s = np.sin(p["angle"]).astype(np.float32)[:, None, None]
    return c * dx + s * dy, c * dy - s * dx


def _circle(p: dict, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Distance to a slightly elliptic circle (exact for aspect 1, close otherwise)."""
    u, v = _rotated(p, dy, dx)
    r = p["radius"].astype(np.float32)[:, None, None]
    a = p["aspect"].astype(np.float32)[:, None, None]
    return np.sqrt((u / a) ** 2 + (v * a) ** 2) - r


def _square(p: dict, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Chebyshev distance to a nearly square rectangle: sharp corners inside and out, as a paint tool draws."""
    u, v = _rotated(p, dy, dx)
    half = (p["radius"] * 0.8).astype(np.float32)[:, None, None]
    a = p["aspect"].astype(np.float32)[:, None, None]
    return np.maximum(np.abs(u) - half * a, np.abs(v) - half / a)


def _triangle(p: dict, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """Largest signed distance to the three edge lines of a convex triangle (exact inside and along edges)."""
    steps = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])
    theta = p["angle"][:, None] + steps[None] + p["jitter"]
    r = p["radius"][:, None] * p["spread"]
    vy, vx = -r * np.cos(theta), r * np.sin(theta)  # counter-clockwise on screen as theta grows
    # Centre the triangle's bounding box, not its centroid, on the chosen place: that is where a person
    # puts a triangle they draw (an upright one's base sits low, like a square's bottom edge).
    vy -= (vy.max(axis=1, keepdims=True) + vy.min(axis=1, keepdims=True)) / 2
    vx -= (vx.max(axis=1, keepdims=True) + vx.min(axis=1, keepdims=True)) / 2
    dist = None
    for i in range(3):
        j = (i + 1) % 3
        ey, ex = vy[:, j] - vy[:, i], vx[:, j] - vx[:, i]
        length = np.hypot(ey, ex)
        ny, nx = ex / length, -ey / length  # one of the two normals; the sign is fixed below
        offset = ny * vy[:, i] + nx * vx[:, i]
        centre = (vy.mean(axis=1) * ny + vx.mean(axis=1) * nx) - offset
        sign = np.where(centre > 0, -1.0, 1.0)  # make the normal point away from the centroid
        f = lambda a: (a * sign).astype(np.float32)[:, None, None]  # noqa: E731
        d = f(ny) * dy + f(nx) * dx - f(offset)
        dist = d if dist is None else np.maximum(dist, d)
    return dist


def _channels(rgb: np.ndarray, channels: int) -> np.ndarray:
    """The image pipeline's channel rule on a batch: BT.601 luma for 1, else channel k = RGB k mod 3."""
    if channels == 1:
        w = [np.float32(v) for v in LUMA_WEIGHTS]
        return (w[0] * rgb[:, 0] + w[1] * rgb[:, 1] + w[2] * rgb[:, 2])[:, None]
    return rgb[:, np.arange(channels) % 3]
