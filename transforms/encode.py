"""Encoding the finished image, shrinking quality until `max_bytes` fits where it can."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import pyvips

from imgproxy.url.options import AvifSubsample, ImageFormat, WebpCompression, WebpPreset
from transforms.autoquality import quality_search, searched
from transforms.job import Job
from transforms.jxl_saver import jxl_bytes
from transforms.pillow_savers import (
    avif_animation_bytes,
    bmp_bytes,
    heic_bytes,
    ico_bytes,
    jpeg_bytes,
    webp_bytes,
)
from transforms.steps.metadata import keep_flags

Saver = Callable[[pyvips.Image, Job, int, str], bytes]
QUALITY_FORMATS = frozenset(
    {
        ImageFormat.JPEG,
        ImageFormat.WEBP,
        ImageFormat.AVIF,
        ImageFormat.HEIC,
        ImageFormat.TIFF,
        ImageFormat.JXL,
    }
)
LOWEST_QUALITY = 10
FULL_CHROMA_QUALITY = 90
"""`auto` subsampling keeps full chroma from this quality up (libvips' rule, JPEG and AVIF)."""
PILLOW_MAX_PIXELS = 2_100_000
"""JPEGs and WebPs larger than a full-HD frame are written by libvips, which streams them:
Pillow holds the whole frame (~7 bytes a pixel with the copy it is read from)."""
QUANTIZE_EFFORT = 7
"""libimagequant's speed/quality trade (1..10), libvips' default."""
JPEG_DEFAULTS: dict[str, object] = {
    "interlace": False,
    "subsample_mode": "auto",
    "trellis_quant": False,
    "overshoot_deringing": False,
    "optimize_scans": False,
    "quant_table": 0,
}
WEBP_DEFAULTS: dict[str, object] = {
    "lossless": False,
    "near_lossless": False,
    "smart_subsample": False,
    "preset": "default",
}
"""libvips' own defaults for saver options, left out of a call when they hold: each option
passed costs several cffi calls, each of which gives up the GIL (`bench/RESULTS.md`)."""


def _changed(options: Mapping[str, object], defaults: Mapping[str, object]) -> dict[str, object]:
    return {name: value for name, value in options.items() if value != defaults[name]}


def _jpeg(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    jpeg = job.encoding.jpeg
    options = {
        "interlace": jpeg.progressive,
        "subsample_mode": "off" if jpeg.no_subsample else "auto",
        "trellis_quant": jpeg.trellis_quant,
        "overshoot_deringing": jpeg.overshoot_deringing,
        "optimize_scans": bool(jpeg.optimize_scans and jpeg.progressive),
        "quant_table": jpeg.quant_table,
    }
    changed = _changed(options, JPEG_DEFAULTS)
    if changed.keys() <= {"subsample_mode"} and _pillow_writes(image, keep, (3,)):
        subsample = "subsample_mode" not in changed and quality < FULL_CHROMA_QUALITY
        return jpeg_bytes(image, quality, keep, subsample=subsample)
    return bytes(image.jpegsave_buffer(Q=quality, keep=keep, optimize_coding=True, **changed))


def _pillow_writes(image: pyvips.Image, keep: str, bands: tuple[int, ...]) -> bool:
    """`jpeg_bytes` and `webp_bytes` write the same bytes as libvips for this image, once
    their saver's options are known to be ones they take."""
    return (
        keep in ("none", "icc")
        and image.bands in bands
        and image.format == "uchar"
        and image.interpretation == "srgb"
        and image.width * image.height <= PILLOW_MAX_PIXELS
    )


def palette_bit_depth(colors: int) -> int:
    """The fewest bits per palette index that hold `colors` entries (1, 2, 4 or 8)."""
    return next(bits for bits in (1, 2, 4, 8) if colors <= 1 << bits)


def _png(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    png = job.encoding.png
    if not png.quantize:
        return bytes(image.pngsave_buffer(compression=6, keep=keep, interlace=png.interlaced))
    return bytes(
        image.pngsave_buffer(
            compression=6,
            keep=keep,
            interlace=png.interlaced,
            palette=True,
            bitdepth=palette_bit_depth(png.quantization_colors or 256),
            effort=QUANTIZE_EFFORT,
        )
    )


def _webp(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    webp = job.encoding.webp
    options = {
        "lossless": webp.compression is WebpCompression.LOSSLESS,
        "near_lossless": webp.compression is WebpCompression.NEAR_LOSSLESS,
        "smart_subsample": bool(webp.smart_subsample),
        "preset": (webp.preset or WebpPreset.DEFAULT).value,
    }
    changed = _changed(options, WEBP_DEFAULTS)
    effort = job.encoding.webp_effort
    if not changed and job.frames == 1 and _pillow_writes(image, keep, (3, 4)):
        return webp_bytes(image, quality, effort, keep)
    return bytes(image.webpsave_buffer(Q=quality, effort=effort, keep=keep, **changed))


def _avif(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    subsample = job.encoding.avif.subsample or AvifSubsample.AUTO
    if job.frames > 1:
        chroma = (
            "4:4:4"
            if subsample is AvifSubsample.OFF
            or (subsample is AvifSubsample.AUTO and quality >= FULL_CHROMA_QUALITY)
            else "4:2:0"
        )
        speed = max(0, min(10, 9 - job.encoding.avif_effort))
        return avif_animation_bytes(image, job.frames, quality, speed, chroma)
    return bytes(
        image.heifsave_buffer(
            Q=quality,
            compression="av1",
            effort=job.encoding.avif_effort,
            keep=keep,
            subsample_mode=subsample.value,
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


def _heic(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return heic_bytes(image, quality, keep)


def _jxl(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return jxl_bytes(image, quality, job.encoding.jxl_effort)


def _bmp(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return bmp_bytes(image)


def _ico(image: pyvips.Image, job: Job, quality: int, keep: str) -> bytes:
    return ico_bytes(image)


SAVERS: dict[ImageFormat, Saver] = {
    ImageFormat.JPEG: _jpeg,
    ImageFormat.PNG: _png,
    ImageFormat.WEBP: _webp,
    ImageFormat.AVIF: _avif,
    ImageFormat.GIF: _gif,
    ImageFormat.TIFF: _tiff,
    ImageFormat.HEIC: _heic,
    ImageFormat.BMP: _bmp,
    ImageFormat.ICO: _ico,
    ImageFormat.JXL: _jxl,
}


def encode(image: pyvips.Image, job: Job) -> bytes:
    """The encoded bytes; an encoder stops at its next tile once the job is cancelled."""
    keep = keep_flags(image, job)
    limit = job.encoding.max_bytes
    search = quality_search(
        job.options.autoquality, job.autoquality, job.output, image.width * image.height, job.frames
    )
    if search is not None:
        image = job.cancellation.in_memory(image)
        with job.cancellation.watching(image):
            saver = SAVERS[job.output]
            quality, data = searched(
                image, search, lambda q: saver(image, job, q, keep), job.encoding.quality
            )
            if not limit or len(data) <= limit:
                return data
            job = replace(job, encoding=replace(job.encoding, quality=quality))
            return _within(image, job, keep, limit)
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
