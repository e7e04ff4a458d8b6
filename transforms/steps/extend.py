"""Extend the image to the requested size with transparent (later flattened) margins."""

from __future__ import annotations

import pyvips

from transforms.job import Job
from transforms.plan import position


def extend(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    if not plan.extend:
        return image
    width = max(plan.target_width, image.width)
    height = max(plan.target_height, image.height)
    if width == image.width and height == image.height:
        return image
    if not image.hasalpha():
        image = image.bandjoin_const([255])
    left, top = position(
        (width, height), (image.width, image.height), plan.extend_gravity, plan.dpr_scale
    )
    return image.embed(left, top, width, height, extend="background", background=[0] * image.bands)
