"""Rasterize vector sources no larger than the pixel limit allows."""

from __future__ import annotations

import math

from transforms.sources import Source


def vector_base_shrink(source: Source, max_pixels: int) -> float:
    info = source.info
    pixels = info.width * info.height
    if not source.vector or not max_pixels or pixels <= max_pixels:
        return 1.0
    return math.sqrt(pixels / max_pixels)
