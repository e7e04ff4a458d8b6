"""thumbor's own pixel filters (`transforms.pixel_filters`), in URL order, after resizing."""

from __future__ import annotations

import pyvips

from transforms.job import Job
from transforms.pixel_filters import apply_filters


def pixel_filters(image: pyvips.Image, job: Job) -> pyvips.Image:
    if not job.options.pixel_filters:
        return image
    return apply_filters(image, job.options.pixel_filters, frame=job.options.asset("frame"))
