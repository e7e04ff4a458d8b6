"""noise(amount[,seed]): the same uniform offset added to every channel of a pixel.

Offsets lie in -(amount//2)..amount-1-(amount//2), as in thumbor. A seeded generator makes the
result reproducible (seed 0 when none is given), which the result cache relies on.
"""

from __future__ import annotations

import random

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import join_alpha, split_alpha


def apply(image: pyvips.Image, pixel_filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    amount, seed = (int(float(arg)) for arg in pixel_filter.args)
    if amount == 0:
        return image
    color, alpha = split_alpha(image)
    draws = random.Random(seed).randbytes(image.width * image.height)
    uniform = pyvips.Image.new_from_memory(draws, image.width, image.height, 1, "uchar")
    offsets = (uniform * (amount / 256)).floor() - (amount // 2)
    return join_alpha(color + offsets, alpha)
