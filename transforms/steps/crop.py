"""Cropping: `crop` before scaling, and the cut to the requested result size after it."""

from __future__ import annotations

import pyvips

from imgproxy.url.options import Gravity, GravityType
from transforms.face_crop import window_over_faces
from transforms.faces import Face, detect, wants_faces
from transforms.gravity import position
from transforms.job import Job


def _faces(image: pyvips.Image, job: Job, stage: str) -> tuple[tuple[Face, ...], pyvips.Image]:
    """The faces of `image` (remembered per source and stage), and `image`, in memory when
    it had to be read for them."""
    held = [image]

    def find() -> tuple[Face, ...]:
        held[0] = job.cancellation.in_memory(image)
        return detect(held[0])

    key = f"{job.faces_key}/{stage}" if job.faces_key else ""
    return job.faces.cache.faces(key, find), held[0]


def cut(
    image: pyvips.Image,
    size: tuple[int, int],
    anchor: Gravity,
    dpr_scale: float,
    job: Job,
    *,
    stage: str = "result",
) -> pyvips.Image:
    width, height = size
    width = min(width or image.width, image.width)
    height = min(height or image.height, image.height)
    if width >= image.width and height >= image.height:
        return image
    if wants_faces(anchor, job.faces):
        faces, image = _faces(image, job, stage)
        if faces:
            where = job.options.objects_position if anchor.type is GravityType.OBJECTS else None
            left, top = window_over_faces(
                (image.width, image.height), (width, height), faces, where
            )
            return image.crop(left, top, width, height)
        smart = anchor.type is GravityType.SMART or job.faces.fallback_to_smart_crop
        anchor = Gravity(GravityType.SMART) if smart else Gravity()
    if anchor.type is GravityType.SMART:
        pixels = job.cancellation.in_memory(image)
        with job.cancellation.watching(pixels):
            return pixels.smartcrop(width, height, interesting="attention")
    left, top = position((image.width, image.height), (width, height), anchor, dpr_scale)
    return image.crop(left, top, width, height)


def crop_source(image: pyvips.Image, job: Job) -> pyvips.Image:
    box = job.plan.crop
    if box is None:
        return image
    return cut(image, (box.width, box.height), box.gravity, 1.0, job, stage="source")


def crop_to_result(image: pyvips.Image, job: Job) -> pyvips.Image:
    plan = job.plan
    if not plan.result_width and not plan.result_height:
        return image
    return cut(image, (plan.result_width, plan.result_height), plan.gravity, plan.dpr_scale, job)
