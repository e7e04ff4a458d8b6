"""blur, sharpen and pixelate (alpha premultiplied, so edges keep their colour)."""

from __future__ import annotations

import math

import pyvips

from transforms.job import Job


def _pixelate(image: pyvips.Image, size: int) -> pyvips.Image:
    """Average whole blocks; the last partial ones are mirror-extended to whole blocks first."""
    width, height = image.width, image.height
    padded = image.embed(
        0, 0, math.ceil(width / size) * size, math.ceil(height / size) * size, extend="mirror"
    )
    return padded.shrink(size, size).zoom(size, size).crop(0, 0, width, height)


STRONGEST_SHARPEN = 10.0
"""libvips' own ceiling for `sharpen`'s sigma: above it, it would fall back to its default 0.5."""


def apply_filters(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    if not options.blur and not options.sharpen and options.pixelate <= 1:
        return image
    band_format, interpretation = image.format, image.interpretation
    alpha = image.hasalpha()
    work = image.premultiply() if alpha else image
    if options.blur:
        work = work.gaussblur(options.blur)
    if options.sharpen:
        sigma = min(options.sharpen, STRONGEST_SHARPEN)
        work = work.copy(interpretation=interpretation).sharpen(sigma=sigma)
    if options.pixelate > 1:
        work = _pixelate(work, min(options.pixelate, image.width, image.height))
    if alpha:
        work = work.unpremultiply()
    return job.cancellation.in_memory(work.cast(band_format).copy(interpretation=interpretation))
