"""Pictures for the pixel filter tests: flat colours built with pyvips, and corpus photos."""

from __future__ import annotations

from collections.abc import Sequence

import pyvips

from imgproxy.url.pixel_filters import parse_filter
from tests.support import BENCH_PHOTOS, CORPUS
from transforms.pixel_filters import apply_filters

PHOTO = BENCH_PHOTOS / "jpeg-kde-path-1920x1080.jpg"
RGBA_PHOTO = CORPUS / "png-rgba8-photo.png"
GREY_PHOTO = CORPUS / "jpeg-grayscale-icc.jpg"


def solid(width: int, height: int, color: Sequence[int]) -> pyvips.Image:
    image = (pyvips.Image.black(width, height, bands=len(color)) + list(color)).cast("uchar")
    return image.copy(interpretation="srgb" if len(color) >= 3 else "b-w")


def halves(width: int, height: int, left: Sequence[int], right: Sequence[int]) -> pyvips.Image:
    return solid(width, height, left).insert(solid(width // 2, height, right), width // 2, 0)


def photo() -> pyvips.Image:
    """A real photo, downsized so each test stays quick."""
    return pyvips.Image.thumbnail(str(PHOTO), 480).copy_memory()


def rgba_photo() -> pyvips.Image:
    return pyvips.Image.thumbnail(str(RGBA_PHOTO), 400).copy_memory()


def grey_photo() -> pyvips.Image:
    return pyvips.Image.new_from_file(str(GREY_PHOTO)).copy_memory()


def pixel(image: pyvips.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(value) for value in image(x, y))


def same_pixels(first: pyvips.Image, second: pyvips.Image) -> bool:
    return (first.width, first.height, first.bands) == (
        second.width,
        second.height,
        second.bands,
    ) and first.write_to_memory() == second.write_to_memory()


def mean_difference(first: pyvips.Image, second: pyvips.Image) -> float:
    return float((first.cast("float") - second.cast("float")).abs().avg())


def filtered(
    image: pyvips.Image, name: str, *args: str, frame: bytes | None = None
) -> pyvips.Image:
    """Parse one filter call as a URL would give it and apply it."""
    return apply_filters(image, [parse_filter(name, list(args))], frame=frame).copy_memory()
