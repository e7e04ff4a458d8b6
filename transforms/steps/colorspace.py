"""Bring pixels into sRGB (or grey) for processing, through the embedded ICC profile if any."""

from __future__ import annotations

import pyvips

from transforms.job import Job

STANDARD = frozenset({"srgb", "b-w", "rgb16", "grey16"})


def has_profile(image: pyvips.Image) -> bool:
    return bool(image.get_typeof("icc-profile-data"))


SRGB_IEC61966_HEADER = (
    (8, bytes((2, 16, 0, 0))),  # version 2.1
    (16, b"RGB "),  # data colour space
    (24, bytes((7, 206, 0, 2, 0, 9))),  # created 1998-02-09
    (48, b"IEC "),  # device manufacturer
    (52, b"sRGB"),  # device model
    (80, b"HP  "),  # profile creator
)


def is_standard_srgb(image: pyvips.Image) -> bool:
    """The embedded profile is the common sRGB IEC61966-2.1 one: its pixels are sRGB already,
    so converting through it would only cost time."""
    if image.interpretation != "srgb" or image.format != "uchar":
        return False
    profile = bytes(image.get("icc-profile-data"))
    return len(profile) >= 128 and all(
        profile[at : at + len(value)] == value for at, value in SRGB_IEC61966_HEADER
    )


def to_processing_space(image: pyvips.Image, job: Job) -> pyvips.Image:
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
