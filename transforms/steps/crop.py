"""Crop the scaled image to the requested result size, placed by gravity (or smart crop)."""

from __future__ import annotations

import pyvips

from imgproxy.url.options import GravityType
from transforms.job import Job
from transforms.plan import position


def crop_to_result(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    width = min(plan.crop_width or image.width, image.width)
    height = min(plan.crop_height or image.height, image.height)
    if width >= image.width and height >= image.height:
        return image
    if plan.gravity.type is GravityType.SMART:
        return image.copy_memory().smartcrop(width, height, interesting="attention")
    left, top = position((image.width, image.height), (width, height), plan.gravity, plan.dpr_scale)
    return image.crop(left, top, width, height)
