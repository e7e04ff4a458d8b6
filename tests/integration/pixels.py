"""Pixel measures for the option tests: compare results by their pixels, not their bytes."""

from __future__ import annotations

import pyvips


def decode(body: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(body, "")


def colour(image: pyvips.Image) -> pyvips.Image:
    """The colour bands, without alpha, as sRGB."""
    if image.bands < 3:
        image = image.colourspace("srgb")
    return image.extract_band(0, n=3)


def alpha(image: pyvips.Image) -> pyvips.Image:
    assert image.hasalpha(), "the image has no alpha band"
    return image.extract_band(image.bands - 1)


def difference(one: pyvips.Image, other: pyvips.Image) -> float:
    """Mean absolute difference of the colour bands (0 for equal pixels, 255 for opposites)."""
    assert (one.width, one.height) == (other.width, other.height)
    return float((colour(one) - colour(other)).abs().avg())


def sharpness(image: pyvips.Image) -> float:
    """Mean absolute difference between horizontal neighbours: blurring lowers it."""
    left = colour(image).crop(0, 0, image.width - 1, image.height)
    right = colour(image).crop(1, 0, image.width - 1, image.height)
    return float((left - right).abs().avg())


def spread(image: pyvips.Image) -> float:
    """Standard deviation of the colour bands: contrast raises it."""
    return float(colour(image).deviate())


def colourfulness(image: pyvips.Image) -> float:
    """Mean distance of each pixel from its own grey: saturation raises it."""
    rgb = colour(image)
    grey = (rgb[0] + rgb[1] + rgb[2]) / 3
    return float(((rgb[0] - grey).abs() + (rgb[1] - grey).abs() + (rgb[2] - grey).abs()).avg())


def uniform(image: pyvips.Image) -> bool:
    """Every pixel equals the first one, in every band."""
    return float((image - image.getpoint(0, 0)).abs().max()) == 0


def opaque_box(image: pyvips.Image) -> tuple[int, int, int, int]:
    """left, top, width, height of the part that is not fully transparent."""
    left, top, width, height = alpha(image).find_trim(threshold=0.5, background=[0])
    return int(left), int(top), int(width), int(height)


def pages(image: pyvips.Image) -> int:
    return int(image.get("n-pages")) if "n-pages" in image.get_fields() else 1
