"""Decode with shrink-on-load straight to the planned size, EXIF-rotated and in sRGB."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def load_scaled(data: bytes, job: Job) -> pyvips.Image:
    """One libvips `thumbnail`: scale-on-load, scale, auto-rotate, embedded profile to sRGB.

    The loader's `fail_on=error` (thumbnail's own `fail_on` argument does not reach the loader)
    makes truncated or corrupt data an error instead of a grey-filled image.
    Sources without a profile are taken as sRGB already (CMYK gets libvips' default profile).
    """
    plan = job.plan
    profile = {"output_profile": "srgb"} if job.colour_manage else {}
    return pyvips.Image.thumbnail_buffer(
        data,
        plan.scaled_width,
        height=plan.scaled_height,
        size="force",
        no_rotate=not job.auto_rotate,
        option_string="fail_on=error",
        **profile,
    )
