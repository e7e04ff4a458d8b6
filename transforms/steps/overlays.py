"""imgproxy Pro's `colorize` (one colour over the whole image) and `gradient` (a colour fading
in along a direction), composited over the image in its own bit depth."""

from __future__ import annotations

from typing import TypeAlias

import pyvips

from imgproxy.url.options import Color
from transforms.job import Job
from transforms.pixel_filters.bands import as_rgb, split_alpha
from transforms.ramp import ramp_weight

Opacity: TypeAlias = "float | pyvips.Image"


def _scaled(opacity: Opacity, tint: list[float]) -> list[float] | pyvips.Image:
    if isinstance(opacity, pyvips.Image):
        return opacity * tint
    return [channel * opacity for channel in tint]


def composite_colour(
    image: pyvips.Image, color: Color, opacity: Opacity, *, keep_alpha: bool
) -> pyvips.Image:
    """`color` at `opacity` (a number, or one float band) over `image`: its pixels show
    through, and its transparent ones take the colour unless `keep_alpha`."""
    wide = image.format == "ushort"
    top = 65535 if wide else 255
    tint = [channel * top / 255 for channel in (color.red, color.green, color.blue)]
    colour, alpha = split_alpha(image)
    colour = as_rgb(colour).cast("float")
    if alpha is None or keep_alpha:
        blended = colour * (1 - opacity) + _scaled(opacity, tint)
        result = blended if alpha is None else blended.bandjoin(alpha.cast("float"))
    else:
        seen = alpha.cast("float") / top
        covered = seen * (1 - opacity) + opacity
        premultiplied = colour * seen * (1 - opacity) + _scaled(opacity, tint)
        blended = premultiplied / (covered > 0).ifthenelse(covered, 1.0)
        result = blended.bandjoin(covered * top)
    interpretation = "rgb16" if wide else "srgb"
    return result.cast(image.format).copy(interpretation=interpretation)


def overlay(image: pyvips.Image, job: Job) -> pyvips.Image:
    colorize, gradient = job.options.colorize, job.options.gradient
    if colorize.opacity:
        image = composite_colour(
            image, colorize.color, colorize.opacity, keep_alpha=colorize.keep_alpha
        )
    if gradient.opacity:
        weight = ramp_weight(image.width, image.height, gradient.ramp) * gradient.opacity
        image = composite_colour(image, gradient.color, weight, keep_alpha=False)
    return image
