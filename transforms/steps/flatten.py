"""Flatten alpha onto the background when the output format cannot carry it."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def flatten(image: pyvips.Image, job: Job) -> pyvips.Image:
    if not image.hasalpha() or job.output.supports_alpha:
        return image
    background = list(job.background[: max(1, image.bands - 1)])
    return image.flatten(background=background)
