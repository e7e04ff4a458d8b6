"""Bring pixels into sRGB (or grey) for processing, through the embedded ICC profile if any."""

from __future__ import annotations

import functools

import pyvips

from imgproxy.url.options import GravityType
from transforms.icc import is_srgb
from transforms.job import Job

STANDARD = frozenset({"srgb", "b-w", "rgb16", "grey16"})
CONTENT_AWARE = frozenset({GravityType.SMART, GravityType.OBJECTS})


def has_profile(image: pyvips.Image) -> bool:
    return bool(image.get_typeof("icc-profile-data"))


def is_standard_srgb(image: pyvips.Image) -> bool:
    """8-bit RGB whose embedded profile describes sRGB (`transforms.icc`): its pixels are
    sRGB already, so converting them through it would only cost time."""
    if image.interpretation != "srgb" or image.format != "uchar":
        return False
    return _srgb_profile(bytes(image.get("icc-profile-data")))


@functools.lru_cache(maxsize=256)
def _srgb_profile(profile: bytes) -> bool:
    """The same few profiles arrive again and again."""
    return is_srgb(profile)


def converts_after_resize(image: pyvips.Image, job: Job) -> bool:
    """An 8-bit RGB image the plan shrinks goes through its embedded profile after the resize,
    as libvips' own thumbnail does: on fewer pixels, and the steps between (crops, the resize,
    right-angle turns) never look at colour unless a crop looks for what is interesting.
    Everything else converts before them."""
    return (
        job.downscaled
        and not _looks_at_content(job)
        and job.strip_color_profile
        and image.format == "uchar"
        and image.interpretation == "srgb"
        and has_profile(image)
    )


def _looks_at_content(job: Job) -> bool:
    crop = job.plan.crop
    gravities = (job.plan.gravity, crop.gravity if crop else None)
    return any(gravity and gravity.type in CONTENT_AWARE for gravity in gravities)


def to_processing_space(image: pyvips.Image, job: Job) -> pyvips.Image:
    if converts_after_resize(image, job):
        return image
    return _in_processing_space(image, job)


def to_processing_space_after_resize(image: pyvips.Image, job: Job) -> pyvips.Image:
    if converts_after_resize(image, job):
        return _in_processing_space(image, job)
    return image


def _in_processing_space(image: pyvips.Image, job: Job) -> pyvips.Image:
    depth = 16 if job.keeps_16_bit and image.format == "ushort" else 8
    if image.interpretation == "cmyk" and not has_profile(image):
        return image.icc_transform("srgb", input_profile="cmyk", depth=depth)
    if has_profile(image) and (job.strip_color_profile or image.interpretation == "cmyk"):
        if is_standard_srgb(image):
            return image
        try:
            return image.icc_transform("srgb", embedded=True, depth=depth)
        except pyvips.Error:
            image = image.copy()
            image.remove("icc-profile-data")
    if image.interpretation not in STANDARD:
        return image.colourspace("srgb")
    return image


def to_result_space(image: pyvips.Image, job: Job) -> pyvips.Image:
    """8-bit output unless 16 bits were asked for and the format can hold them."""
    if image.format == "uchar" or (job.keeps_16_bit and image.format == "ushort"):
        return image
    grey = image.bands < 3
    return image.colourspace("b-w" if grey else "srgb").cast("uchar")
