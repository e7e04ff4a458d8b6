"""Trim borders of one colour (the top-left pixel's unless given) before any geometry."""

from __future__ import annotations

import pyvips

from imgproxy.url.options import Trim


def trim(image: pyvips.Image, options: Trim) -> pyvips.Image:
    if options.threshold is None:
        return image
    image = image.copy_memory()
    flat = image.flatten(background=[255] * max(1, image.bands - 1)) if image.hasalpha() else image
    if options.color is not None:
        background = [options.color.red, options.color.green, options.color.blue]
        background = background[: flat.bands] if flat.bands < 3 else background
    else:
        background = list(flat.getpoint(0, 0))
    left, top, width, height = flat.find_trim(threshold=options.threshold, background=background)
    if width == 0 or height == 0:
        return image
    if options.equal_horizontal:
        side = min(left, image.width - left - width)
        left, width = side, image.width - 2 * side
    if options.equal_vertical:
        side = min(top, image.height - top - height)
        top, height = side, image.height - 2 * side
    return image.crop(left, top, width, height).copy_memory()
