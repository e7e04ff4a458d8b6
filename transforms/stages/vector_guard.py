"""Rasterize vector sources no larger than the pixel limit allows."""

from __future__ import annotations

import math
from dataclasses import replace

from transforms.sources import Source
from transforms.stages.loading import Loading


def vector_base_shrink(source: Source, max_pixels: int) -> float:
    info = source.info
    pixels = info.width * info.height
    if not source.vector or not max_pixels or pixels <= max_pixels:
        return 1.0
    return math.sqrt(pixels / max_pixels)


def guard_vector(state: Loading) -> Loading:
    shrink = vector_base_shrink(state.source, state.limits.max_src_pixels)
    return state if shrink == 1.0 else replace(state, shrink=shrink)
