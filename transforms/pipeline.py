"""The one place the processing order is written, and the worker-thread entry point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyvips

from imgproxy.errors import UndecodableSource
from imgproxy.url.options import ImageFormat, Options
from transforms.encode import encode
from transforms.formats import settle_output
from transforms.job import Job
from transforms.load import load_scaled
from transforms.plan import make_plan
from transforms.probe import SourceInfo, probe
from transforms.steps.colorspace import to_standard_colorspace
from transforms.steps.crop import crop_to_result
from transforms.steps.extend import extend
from transforms.steps.flatten import flatten

Step = Callable[[pyvips.Image, Job], pyvips.Image]

# After load_scaled (scale-on-load, scale, EXIF rotation, colour to sRGB), in this order:
STEPS: tuple[Step, ...] = (
    crop_to_result,
    extend,
    flatten,
    to_standard_colorspace,
)


@dataclass(frozen=True)
class Defaults:
    """Server settings that fill in what the URL leaves open."""

    max_src_pixels: int
    quality: int
    format_quality: dict[ImageFormat, int]
    auto_rotate: bool
    strip_metadata: bool
    avif_effort: int
    jpeg_progressive: bool


@dataclass(frozen=True)
class Rendered:
    data: bytes
    format: ImageFormat
    width: int
    height: int
    source: SourceInfo


def plan_job(
    options: Options, requested: ImageFormat | None, info: SourceInfo, defaults: Defaults
) -> Job:
    auto_rotate = defaults.auto_rotate if options.auto_rotate is None else options.auto_rotate
    output = settle_output(requested, info.format, info.has_alpha)
    quality = options.quality or defaults.format_quality.get(output, defaults.quality)
    return Job(
        plan=make_plan(options, *info.oriented_size(auto_rotate)),
        output=output,
        quality=quality,
        strip_metadata=(
            defaults.strip_metadata if options.strip_metadata is None else options.strip_metadata
        ),
        auto_rotate=auto_rotate,
        colour_manage=info.has_icc_profile,
        avif_effort=defaults.avif_effort,
        jpeg_progressive=defaults.jpeg_progressive,
    )


def render(
    data: bytes, options: Options, requested: ImageFormat | None, defaults: Defaults
) -> Rendered:
    """Runs in a worker thread: probe, plan, load, steps, encode."""
    info = probe(data, defaults.max_src_pixels)
    job = plan_job(options, requested, info, defaults)
    try:
        image = load_scaled(data, job)
        for step in STEPS:
            image = step(image, job)
        encoded = encode(image, job)
    except pyvips.Error as error:
        raise UndecodableSource(
            "Source image cannot be decoded", detail=str(error).strip()
        ) from None
    return Rendered(encoded, job.output, image.width, image.height, info)
