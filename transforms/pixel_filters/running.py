"""Apply parsed pixel filters in order on an 8-bit image."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters import (
    colorize,
    convolution,
    curve,
    equalize,
    fill,
    frame,
    noise,
    rgb,
    round_corner,
)
from transforms.pixel_filters.bands import as_8bit

Applier = Callable[[pyvips.Image, PixelFilter, bytes | None], pyvips.Image]

APPLIERS: dict[str, Applier] = {
    "rgb": rgb.apply,
    "equalize": equalize.apply,
    "noise": noise.apply,
    "colorize": colorize.apply,
    "convolution": convolution.apply,
    "curve": curve.apply,
    "round_corner": round_corner.apply,
    "fill_blur": fill.apply_blur,
    "fill_auto": fill.apply_auto,
    "frame": frame.apply,
}


def run(
    image: pyvips.Image, filters: Sequence[PixelFilter], *, frame: bytes | None = None
) -> pyvips.Image:
    if not filters:
        return image
    image = as_8bit(image)
    for pixel_filter in filters:
        image = APPLIERS[pixel_filter.name](image, pixel_filter, frame)
    return image
