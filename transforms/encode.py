"""Encoding the finished image in the settled output format."""

from __future__ import annotations

from collections.abc import Callable

import pyvips

from imgproxy.url.options import ImageFormat
from transforms.job import Job

Saver = Callable[[pyvips.Image, Job, str], bytes]


def _jpeg(image: pyvips.Image, job: Job, keep: str) -> bytes:
    return bytes(
        image.jpegsave_buffer(
            Q=job.quality, keep=keep, optimize_coding=True, interlace=job.jpeg_progressive
        )
    )


def _png(image: pyvips.Image, job: Job, keep: str) -> bytes:
    return bytes(image.pngsave_buffer(compression=6, keep=keep))


def _webp(image: pyvips.Image, job: Job, keep: str) -> bytes:
    return bytes(image.webpsave_buffer(Q=job.quality, effort=4, keep=keep))


def _avif(image: pyvips.Image, job: Job, keep: str) -> bytes:
    return bytes(
        image.heifsave_buffer(Q=job.quality, compression="av1", effort=job.avif_effort, keep=keep)
    )


def _gif(image: pyvips.Image, job: Job, keep: str) -> bytes:
    return bytes(image.gifsave_buffer(keep=keep))


SAVERS: dict[ImageFormat, Saver] = {
    ImageFormat.JPEG: _jpeg,
    ImageFormat.PNG: _png,
    ImageFormat.WEBP: _webp,
    ImageFormat.AVIF: _avif,
    ImageFormat.GIF: _gif,
}


def encode(image: pyvips.Image, job: Job) -> bytes:
    keep = "none" if job.strip_metadata else "all"
    return SAVERS[job.output](image, job, keep)
