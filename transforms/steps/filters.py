"""blur, sharpen and pixelate."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def apply_filters(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    if not options.blur and not options.sharpen and options.pixelate <= 1:
        return image
    if options.blur:
        image = image.gaussblur(options.blur)
    if options.sharpen:
        image = image.sharpen(sigma=options.sharpen)
    if options.pixelate > 1:
        size = min(options.pixelate, image.width, image.height)
        width, height = image.width, image.height
        image = image.shrink(size, size).zoom(size, size).embed(0, 0, width, height, extend="copy")
    return image.copy_memory()
