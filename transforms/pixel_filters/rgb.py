"""rgb(r,g,b): add r/g/b percent of 255 to each channel (thumbor truncates the step)."""

from __future__ import annotations

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import as_rgb, join_alpha, split_alpha


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    deltas = [int(255 * float(percent) / 100) for percent in pixel_filter.args]
    color, alpha = split_alpha(image)
    return join_alpha(as_rgb(color) + deltas, alpha)
