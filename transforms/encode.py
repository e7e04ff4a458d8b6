"""Encoding the finished image, shrinking quality until `max_bytes` fits where it can."""

from __future__ import annotations

from collections.abc import Callable

import pyvips

from imgproxy.url.options import ImageFormat
from transforms.job import Job
from transforms.steps.metadata import keep_flags

Saver = Callable[[pyvips.Image, Job, int, str], bytes]
QUALITY_FORMATS = frozenset(
    {ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.HEIC, ImageFormat.TIFF}
)
LOWEST_QUALITY = 10


def _jpeg(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bytes(
        image.jpegsave_buffer(
            Q=quality, keep=keep, optimize_coding=True, interlace=job.encoding.jpeg_progressive
        )
    )


def _png(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bytes(
        image.pngsave_buffer(compression=6, keep=keep, interlace=job.encoding.png_interlaced)
    )


def _webp(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bytes(image.webpsave_buffer(Q=quality, effort=4, keep=keep))


def _avif(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bytes(
        image.heifsave_buffer(
            Q=quality, compression="av1", effort=job.encoding.avif_effort, keep=keep
        )
    )


def _gif(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bytes(image.gifsave_buffer(keep=keep))


def _tiff(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bytes(
        image.tiffsave_buffer(
            Q=quality,
            compression="jpeg" if image.bands in (1, 3) and image.format == "uchar" else "deflate",
            keep=keep,
        )
    )


SAVERS: dict[ImageFormat, Saver] = {
    ImageFormat.JPEG: _jpeg,
    ImageFormat.PNG: _png,
    ImageFormat.WEBP: _webp,
    ImageFormat.AVIF: _avif,
    ImageFormat.GIF: _gif,
    ImageFormat.TIFF: _tiff,
}


def encode(image: pyvips.Image, job: Job) -> bytes:
    """The encoded bytes; an encoder stops at its next tile once the job is cancelled."""
    keep = keep_flags(image, job)
    limit = job.encoding.max_bytes
    if not limit or job.output not in QUALITY_FORMATS:
        with job.cancellation.watching(image):
            return SAVERS[job.output](image, job, job.encoding.quality, keep)
    image = job.cancellation.in_memory(image)
    with job.cancellation.watching(image):
        return _within(image, job, keep, limit)


def _within(image: pyvips.Image, job: Job, keep: str, limit: int) -> bytes:
    """Lower the quality until the result fits in `limit` bytes, or the quality is lowest."""
    saver = SAVERS[job.output]
    quality = job.encoding.quality
    data = saver(image, job, quality, keep)
    while len(data) > limit and quality > LOWEST_QUALITY:
        ratio = len(data) / limit
        quality = max(
            LOWEST_QUALITY, int(quality * (0.25 if ratio > 3 else 0.5 if ratio > 1.5 else 0.75))
        )
        data = saver(image, job, quality, keep)
    return data
