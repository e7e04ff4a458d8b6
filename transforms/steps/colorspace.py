"""Bring the result to 8-bit sRGB (or 8-bit grey), the space every output format expects."""

from __future__ import annotations

import pyvips

STANDARD_SPACES = frozenset({"srgb", "b-w"})


def to_standard_colorspace(image: pyvips.Image, _job: object) -> pyvips.Image:
    if image.interpretation in STANDARD_SPACES and image.format == "uchar":
        return image
    target = "b-w" if image.interpretation in {"b-w", "grey16"} else "srgb"
    return image.colourspace(target).cast("uchar")
