"""Decode with shrink-on-load straight to the planned size, EXIF-rotated and in sRGB."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def load_scaled(data: bytes, job: Job) -> pyvips.Image:
    """One libvips `thumbnail`: scale-on-load, scale, auto-rotate, colour-manage to sRGB.

    `fail_on=error` makes truncated or corrupt data an error instead of a grey-filled image.
    """
    plan = job.plan
    return pyvips.Image.thumbnail_buffer(
        data,
        plan.scaled_width,
        height=plan.scaled_height,
        size="force",
        no_rotate=not job.auto_rotate,
        export_profile="srgb",
        option_string="fail_on=error",
    )
