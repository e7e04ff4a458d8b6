"""colorize(r%,g%,b%,rrggbb): blend each channel towards the fill colour by its percentage."""

from __future__ import annotations

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import as_rgb, join_alpha, split_alpha


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    *percents, fill = pixel_filter.args
    weights = [float(percent) / 100 for percent in percents]
    target = bytes.fromhex(str(fill))
    color, alpha = split_alpha(image)
    keep = [1 - weight for weight in weights]
    paint = [value * weight for value, weight in zip(target, weights, strict=True)]
    return join_alpha(as_rgb(color).linear(keep, paint), alpha)
