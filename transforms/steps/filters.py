"""blur, sharpen, unsharp masking and pixelate (alpha premultiplied, so edges keep their
colour)."""

from __future__ import annotations

import math

import pyvips

from imgproxy.url.options import UnsharpMode
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


def unsharp_masks(job: Job) -> bool:
    """`unsharp_masking`'s mode: `always`, or `auto` on a downscale without `sharpen`."""
    mode = job.unsharp.mode
    if mode is UnsharpMode.AUTO:
        return job.downscaled and not job.options.sharpen
    return mode is UnsharpMode.ALWAYS


def _unsharp_mask(image: pyvips.Image, weight: float, divider: float) -> pyvips.Image:
    """A 3x3 kernel: each neighbour weighs -`weight`, the pixel `divider` + 8 `weight`, all
    over `divider` (flat areas stay as they are; a smaller divider sharpens more)."""
    ring = [-weight] * 3
    kernel = pyvips.Image.new_from_list(
        [ring, [-weight, divider + 8 * weight, -weight], ring], scale=divider
    )
    return image.conv(kernel, precision="float")


def apply_filters(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    unsharp = unsharp_masks(job)
    if not options.blur and not options.sharpen and options.pixelate <= 1 and not unsharp:
        return image
    band_format, interpretation = image.format, image.interpretation
    alpha = image.hasalpha()
    work = image.premultiply() if alpha else image
    if options.blur:
        work = work.gaussblur(options.blur)
    if options.sharpen:
        sigma = min(options.sharpen, STRONGEST_SHARPEN)
        work = work.copy(interpretation=interpretation).sharpen(sigma=sigma)
    if unsharp:
        work = _unsharp_mask(work, job.unsharp.weight or 1.0, job.unsharp.divider or 24.0)
    if options.pixelate > 1:
        work = _pixelate(work, min(options.pixelate, image.width, image.height))
    if alpha:
        work = work.unpremultiply()
    return job.cancellation.in_memory(work.cast(band_format).copy(interpretation=interpretation))
