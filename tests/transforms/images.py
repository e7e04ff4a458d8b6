"""Synthetic images and helpers for the processing-option tests.

Every picture is built here with pyvips, so a test can say exactly which colour must land where:
a quadrant image tells a crop, a gravity, a rotation or a flip apart by sampling four pixels.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pyvips

from config.settings import Settings
from imgproxy.renderer import defaults_from
from imgproxy.url.parser import PathParser
from transforms.pipeline import Defaults, Rendered, render

CORPUS = Path(__file__).resolve().parents[1] / "images"

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
NAMED = {"red": RED, "green": GREEN, "blue": BLUE, "white": WHITE, "black": BLACK}

PARSER = PathParser(allow_security_options=True)


def defaults(**limits: int) -> Defaults:
    """The server defaults of `Settings()`, with some limits replaced."""
    base = defaults_from(Settings())
    return replace(base, limits=replace(base.limits, **limits)) if limits else base


def run(
    data: bytes, path: str = "", settings: Defaults | None = None, *, extension: str = ""
) -> Rendered:
    """Render `data` with the options in `path`; the requested format is the URL's, if any."""
    suffix = f"@{extension}" if extension else ""
    parsed = PARSER.parse(f"{path.strip('/')}/plain/local:///source{suffix}".lstrip("/")).options
    return render(data, parsed, parsed.format, settings or defaults())


def decode(rendered: Rendered | bytes, *, all_pages: bool = False) -> pyvips.Image:
    """Decode a result; `all_pages` loads every frame of a GIF or WebP, stacked vertically."""
    data = rendered.data if isinstance(rendered, Rendered) else rendered
    animated = data[:3] == b"GIF" or data[8:12] == b"WEBP"
    kwargs = {"n": -1} if all_pages and animated else {}
    return pyvips.Image.new_from_buffer(data, "", access="random", **kwargs)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


# Building pictures ------------------------------------------------------------------------------


def solid(width: int, height: int, color: tuple[int, ...]) -> pyvips.Image:
    """An sRGB (or sRGBA with four values) image of one colour."""
    black = pyvips.Image.black(width, height, bands=len(color))
    image = (black + list(color)).cast("uchar")
    return image.copy(interpretation="srgb")


def quadrants(width: int = 200, height: int = 100) -> pyvips.Image:
    """Top-left red, top-right green, bottom-left blue, bottom-right white."""
    half_w, half_h = width // 2, height // 2
    top = solid(half_w, half_h, RED).join(solid(width - half_w, half_h, GREEN), "horizontal")
    bottom = solid(half_w, height - half_h, BLUE).join(
        solid(width - half_w, height - half_h, WHITE), "horizontal"
    )
    return top.join(bottom, "vertical")


def framed(
    width: int,
    height: int,
    box: tuple[int, int, int, int],
    *,
    inner: tuple[int, int, int] = BLACK,
    outer: tuple[int, int, int] = WHITE,
) -> pyvips.Image:
    """An `outer` image with an `inner` rectangle (left, top, width, height)."""
    left, top, box_w, box_h = box
    return solid(width, height, outer).insert(solid(box_w, box_h, inner), left, top)


def with_transparent_right(image: pyvips.Image) -> pyvips.Image:
    """The image with an alpha band: opaque left half, fully transparent right half."""
    half = image.width // 2
    alpha = solid(half, image.height, (255,)).join(
        solid(image.width - half, image.height, (0,)), "horizontal"
    )
    return image.bandjoin(alpha.copy(interpretation="b-w")).copy(interpretation="srgb")


def checkerboard(width: int, height: int, cell: int = 1) -> pyvips.Image:
    """Black and white squares of `cell` pixels; a grey image saved as sRGB."""
    xy = pyvips.Image.xyz(width, height)
    parity = ((xy[0] / cell).floor() + (xy[1] / cell).floor()) % 2
    grey = (parity * 255).cast("uchar")
    return grey.bandjoin([grey, grey]).copy(interpretation="srgb")


def deep(image: pyvips.Image) -> pyvips.Image:
    """The same picture with 16 bits per channel (save as PNG with bitdepth=16)."""
    wide = (image.cast("ushort") * 257).cast("ushort")
    return wide.copy(interpretation="rgb16" if image.bands >= 3 else "grey16")


def animation(frames: list[pyvips.Image], delays: list[int], loop: int) -> pyvips.Image:
    """Frames of one size stacked vertically, with page-height, per-frame delay and loop."""
    stacked = pyvips.Image.arrayjoin(frames, across=1).copy()
    stacked.set_type(pyvips.GValue.gint_type, "page-height", frames[0].height)
    stacked.set_type(pyvips.GValue.array_int_type, "delay", delays)
    stacked.set_type(pyvips.GValue.gint_type, "loop", loop)
    return stacked


def frames_image(
    colors: list[tuple[int, int, int]], width: int, height: int, delays: list[int], loop: int
) -> pyvips.Image:
    """An animation of one solid frame per colour."""
    return animation([solid(width, height, color) for color in colors], delays, loop)


def oriented(display: pyvips.Image, orientation: int) -> pyvips.Image:
    """The stored image that, tagged with EXIF `orientation`, displays as `display`.

    libvips' own `autorot` is the oracle: of the eight turns and mirrors of `display`, the one
    that autorot brings back to `display` is kept.
    """
    for angle in ("d0", "d90", "d180", "d270"):
        for mirror in (False, True):
            turned = display.rot(angle) if angle != "d0" else display
            candidate = (turned.fliphor() if mirror else turned).copy()
            candidate.set_type(pyvips.GValue.gint_type, "orientation", orientation)
            shown = candidate.autorot()
            same_size = (shown.width, shown.height) == (display.width, display.height)
            if same_size and (shown == display).min() == 255:
                return candidate
    raise AssertionError(f"no stored form for orientation {orientation}")


def grid(image: pyvips.Image, cells: int = 5) -> list[str]:
    """Colour names sampled at the centres of a cells x cells grid."""
    return [
        named(
            image, int((col + 0.5) * image.width / cells), int((row + 0.5) * image.height / cells)
        )
        for row in range(cells)
        for col in range(cells)
    ]


def encode(image: pyvips.Image, fmt: str, **kwargs: object) -> bytes:
    return bytes(image.write_to_buffer(f".{fmt}", **kwargs))


def png(image: pyvips.Image) -> bytes:
    return encode(image, "png")


def jpeg(image: pyvips.Image, quality: int = 95) -> bytes:
    return encode(image, "jpg", Q=quality)


# Reading pixels ---------------------------------------------------------------------------------


def pixel(image: pyvips.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(round(value) for value in image.getpoint(x, y))


def rgb(image: pyvips.Image, x: int, y: int) -> tuple[int, int, int]:
    """The colour at (x, y) as sRGB, whatever the bands (grey is spread to three)."""
    values = pixel(image, x, y)
    if image.bands in (1, 2):
        return (values[0],) * 3
    return values[0], values[1], values[2]


def alpha(image: pyvips.Image, x: int, y: int) -> int:
    return pixel(image, x, y)[-1] if image.hasalpha() else 255


def name_of(color: tuple[int, ...]) -> str:
    """The nearest of the named colours (red, green, blue, white, black)."""
    return min(NAMED, key=lambda name: math.dist(NAMED[name], color[:3]))


def named(image: pyvips.Image, x: int, y: int) -> str:
    return name_of(rgb(image, x, y))


def corners(image: pyvips.Image, inset: int = 2) -> tuple[str, str, str, str]:
    """Colour names at top-left, top-right, bottom-left, bottom-right."""
    right, bottom = image.width - 1 - inset, image.height - 1 - inset
    return (
        named(image, inset, inset),
        named(image, right, inset),
        named(image, inset, bottom),
        named(image, right, bottom),
    )


def edge_x(image: pyvips.Image, y: int) -> int | None:
    """The first column of row `y` whose colour name differs from column 0's."""
    start = named(image, 0, y)
    return next((x for x in range(image.width) if named(image, x, y) != start), None)


def edge_y(image: pyvips.Image, x: int) -> int | None:
    """The first row of column `x` whose colour name differs from row 0's."""
    start = named(image, x, 0)
    return next((y for y in range(image.height) if named(image, x, y) != start), None)


def levels(image: pyvips.Image) -> list[int]:
    """The distinct values of the first band (8-bit images)."""
    histogram = image[0].cast("uchar").hist_find()
    return [level for level in range(256) if histogram.getpoint(level, 0)[0] > 0]


def share(image: pyvips.Image, color: tuple[int, int, int], tolerance: int = 60) -> float:
    """The fraction of pixels within `tolerance` of `color` on every channel."""
    bands = image.extract_band(0, n=3) if image.bands >= 3 else image.bandjoin([image, image])
    near = (bands.cast("float") - list(color)).abs() < tolerance
    return float((near[0] & near[1] & near[2]).avg()) / 255


def close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(actual, expected, strict=True))


def fingerprint(image: pyvips.Image, size: int = 8) -> list[int]:
    """A coarse average-hash: the image shrunk to size x size grey, thresholded at its mean."""
    grey = image.colourspace("b-w")[0] if image.bands >= 3 else image[0]
    small = grey.resize(size / grey.width, vscale=size / grey.height)
    values = [small.getpoint(x, y)[0] for y in range(size) for x in range(size)]
    mean = sum(values) / len(values)
    return [int(value > mean) for value in values]


def hamming(first: list[int], second: list[int]) -> int:
    return sum(a != b for a, b in zip(first, second, strict=True))


def mean_abs_difference(first: pyvips.Image, second: pyvips.Image) -> float:
    return float((first.cast("float") - second.cast("float")).abs().avg())
