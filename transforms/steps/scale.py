"""Resize by the plan's factors, alpha premultiplied so edges do not darken."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def scale(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    if plan.x_scale == 1 and plan.y_scale == 1:
        return image
    kernel = job.options.resizing_algorithm.value
    if not image.hasalpha():
        return image.resize(plan.x_scale, vscale=plan.y_scale, kernel=kernel)
    band_format = image.format
    resized = image.premultiply().resize(plan.x_scale, vscale=plan.y_scale, kernel=kernel)
    return resized.unpremultiply().cast(band_format)
