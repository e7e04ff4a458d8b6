"""thumbor's own pixel filters (`transforms.pixel_filters`), in URL order, after resizing."""

from __future__ import annotations

import pyvips

from transforms.job import Job
from transforms.pixel_filters import apply_filters


def pixel_filters(image: pyvips.Image, job: Job) -> pyvips.Image:
    if not job.options.pixel_filters:
        return image
    # Some filters read the image more than once (histograms, fills): the source is decoded
    # sequentially, so hand them the resized pixels in memory.
    resized = job.cancellation.in_memory(image)
    with job.cancellation.watching(resized):
        return apply_filters(resized, job.options.pixel_filters, frame=job.frame)
