"""Shrink the result to what the output format can hold (WebP 16383 px, AVIF 16384, ICO 256,
GIF)."""

from __future__ import annotations

import math

import pyvips

from imgproxy.url.options import ImageFormat
from transforms.job import Job
from transforms.pillow_savers import ICO_MAX_SIDE

MAX_SIDE = {
    ImageFormat.WEBP: 16383,
    ImageFormat.AVIF: 16384,
    ImageFormat.HEIC: 16384,
    ImageFormat.GIF: 65535,
    ImageFormat.JPEG: 65535,
    ImageFormat.ICO: ICO_MAX_SIDE,
}
GIF_MAX_PIXELS = 2**31 - 1


def fix_size(image: pyvips.Image, job: Job) -> pyvips.Image:
    limit = MAX_SIDE.get(job.output)
    if limit is None:
        return image
    shrink = max(image.width, image.height) / limit
    if job.output is ImageFormat.GIF:
        shrink = max(shrink, math.sqrt(image.width * image.height / GIF_MAX_PIXELS))
    if shrink <= 1:
        return image
    return image.resize(1 / shrink)
