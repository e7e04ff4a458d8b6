"""EXIF orientation, then the `rotate` and `flip` options."""

from __future__ import annotations

import pyvips

from transforms.job import Job

ROTATIONS = {90: "d90", 180: "d180", 270: "d270"}


def _turn(image: pyvips.Image, angle: int) -> pyvips.Image:
    return image.rot(ROTATIONS[angle]) if angle % 360 else image


def rotate_and_flip(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    turned = plan.orientation.angle or plan.rotate
    flipped = plan.orientation.flip or plan.flip_x or plan.flip_y
    if not turned and not flipped:
        return image
    image = _turn(job.cancellation.in_memory(image), plan.orientation.angle)
    if plan.orientation.flip:
        image = image.fliphor()
    image = _turn(image, plan.rotate)
    if plan.flip_x:
        image = image.fliphor()
    if plan.flip_y:
        image = image.flipver()
    if plan.orientation.angle or plan.orientation.flip:
        image = image.copy()
        image.set_type(pyvips.GValue.gint_type, "orientation", 1)
    return image
