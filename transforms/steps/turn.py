"""Quarter turns of the finished result (thumbor `rotate`, counter-clockwise, after resizing)."""

from __future__ import annotations

import pyvips

from transforms.job import Job

ANGLES = {1: "d270", 2: "d180", 3: "d90"}


def turn(image: pyvips.Image, job: Job) -> pyvips.Image:
    quarters = job.options.turn % 4
    if quarters == 0:
        return image
    return image.rot(ANGLES[quarters])
