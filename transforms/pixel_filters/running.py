"""Apply parsed pixel filters in order on an 8-bit image."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyvips

from transforms.pixel_filters.spec import PixelFilter

Applier = Callable[[pyvips.Image, PixelFilter, bytes | None], pyvips.Image]

APPLIERS: dict[str, Applier] = {}


def run(
    image: pyvips.Image, filters: Sequence[PixelFilter], *, frame: bytes | None = None
) -> pyvips.Image:
    for pixel_filter in filters:
        image = APPLIERS[pixel_filter.name](image, pixel_filter, frame)
    return image
