"""extend, extend_aspect_ratio and padding: transparent margins, filled later by `flatten`."""

from __future__ import annotations

import pyvips

from imgproxy.url.options import Gravity
from transforms.gravity import position
from transforms.job import Job


def with_alpha(image: pyvips.Image) -> pyvips.Image:
    if image.hasalpha():
        return image
    return image.bandjoin_const([65535 if image.format == "ushort" else 255])


def _grow(
    image: pyvips.Image, width: int, height: int, anchor: Gravity, dpr_scale: float
) -> pyvips.Image:
    width, height = max(width, image.width), max(height, image.height)
    if (width, height) == (image.width, image.height):
        return image
    image = with_alpha(image)
    left, top = position((width, height), (image.width, image.height), anchor, dpr_scale)
    return image.embed(left, top, width, height, extend="background", background=[0] * image.bands)


def extend(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    if not plan.extend:
        return image
    return _grow(image, plan.target_width, plan.target_height, plan.extend_gravity, plan.dpr_scale)


def extend_aspect_ratio(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    if not plan.extend_ratio_width or not plan.extend_ratio_height:
        return image
    return _grow(
        image,
        plan.extend_ratio_width,
        plan.extend_ratio_height,
        plan.extend_ratio_gravity,
        plan.dpr_scale,
    )


def padding(image: pyvips.Image, job: Job) -> pyvips.Image:
    top, right, bottom, left = job.plan.padding
    if not any((top, right, bottom, left)):
        return image
    image = with_alpha(image)
    return image.embed(
        left,
        top,
        image.width + left + right,
        image.height + top + bottom,
        extend="background",
        background=[0] * image.bands,
    )
