"""Band handling shared by the pixel filters: 8-bit input, alpha kept aside, grey promoted."""

from __future__ import annotations

import pyvips

EIGHT_BIT = frozenset({"srgb", "b-w"})


def as_8bit(image: pyvips.Image) -> pyvips.Image:
    """8-bit sRGB or b-w, whatever came (16-bit, CMYK, multiband), alpha included."""
    target = "b-w" if image.bands <= 2 else "srgb"
    if image.format == "uchar" and image.interpretation in EIGHT_BIT:
        return image
    if image.format == "uchar" and image.interpretation not in {"cmyk", "lab", "labs"}:
        return image.copy(interpretation=target)
    return image.colourspace(target).cast("uchar")


def split_alpha(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    if image.bands in (2, 4):
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def join_alpha(color: pyvips.Image, alpha: pyvips.Image | None) -> pyvips.Image:
    """Back to uchar with the colour's interpretation, alpha (if any) appended unchanged."""
    interpretation = "srgb" if color.bands >= 3 else "b-w"
    color = color.cast("uchar").copy(interpretation=interpretation)
    return color if alpha is None else color.bandjoin(alpha)


def as_rgb(color: pyvips.Image) -> pyvips.Image:
    """Three colour bands: a grey image gains colour for filters that paint per channel."""
    if color.bands >= 3:
        return color
    return color.bandjoin([color, color]).copy(interpretation="srgb")


def lut(tables: list[list[int]]) -> pyvips.Image:
    """A 256x1 lookup table image, one band per table."""
    interleaved = bytes(value for entries in zip(*tables, strict=True) for value in entries)
    return pyvips.Image.new_from_memory(interleaved, 256, 1, len(tables), "uchar")
