"""imgproxy Pro's `blur_areas` and `progressive_blur` (alpha premultiplied, as `blur` is)."""

from __future__ import annotations

import functools
import math
import operator

import pyvips

from transforms.costs import GAUSSIAN_REACH, PROGRESSIVE_LEVELS, area_box
from transforms.job import Job
from transforms.ramp import ramp_weight


def _blurred_area(image: pyvips.Image, box: tuple[int, ...], sigma: float) -> pyvips.Image:
    """The area blurred with its surroundings, so its edges blur into them as a whole-image
    blur would."""
    x0, y0, x1, y1 = box
    margin = math.ceil(sigma * GAUSSIAN_REACH) + 1
    left, top = max(0, x0 - margin), max(0, y0 - margin)
    right, bottom = min(image.width, x1 + margin), min(image.height, y1 + margin)
    region = image.crop(left, top, right - left, bottom - top).gaussblur(sigma)
    return region.crop(x0 - left, y0 - top, x1 - x0, y1 - y0)


def _blur_areas(image: pyvips.Image, job: Job) -> pyvips.Image:
    spec = job.options.blur_areas
    for area in spec.areas:
        box = area_box(area, image.width, image.height)
        if box[2] > box[0] and box[3] > box[1]:
            image = image.insert(_blurred_area(image, box, spec.sigma), box[0], box[1])
    return image


def _progressive_blur(image: pyvips.Image, job: Job) -> pyvips.Image:
    """Each pixel mixes the two blur levels nearest its weight, so the blur grows smoothly
    instead of fading in at full strength."""
    spec = job.options.progressive_blur
    levels = [image.cast("float")] + [
        image.gaussblur(spec.sigma * step / PROGRESSIVE_LEVELS).cast("float")
        for step in range(1, PROGRESSIVE_LEVELS + 1)
    ]
    position = ramp_weight(image.width, image.height, spec.ramp) * PROGRESSIVE_LEVELS
    shares = [(1 - (position - step).abs()).clamp(min=0.0, max=1.0) for step in range(len(levels))]
    return functools.reduce(
        operator.add, (level * share for level, share in zip(levels, shares, strict=True))
    )


def blur_regions(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    areas = bool(options.blur_areas.sigma and options.blur_areas.areas)
    progressive = bool(options.progressive_blur.sigma)
    if not areas and not progressive:
        return image
    band_format, interpretation = image.format, image.interpretation
    alpha = image.hasalpha()
    work = image.premultiply() if alpha else image
    if areas:
        work = _blur_areas(work, job)
    if progressive:
        work = _progressive_blur(work, job)
    if alpha:
        work = work.unpremultiply()
    return job.cancellation.in_memory(work.cast(band_format).copy(interpretation=interpretation))
