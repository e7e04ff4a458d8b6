"""brightness, contrast, saturation and monochrome (paid options in imgproxy, free here)."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def _split_alpha(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def _join_alpha(image: pyvips.Image, alpha: pyvips.Image | None, band_format: str) -> pyvips.Image:
    image = image.cast(band_format)
    return image.bandjoin(alpha) if alpha is not None else image


def adjust(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    mono = options.monochrome
    if (
        options.brightness == 0
        and options.contrast == 1
        and options.saturation == 1
        and mono.intensity == 0
    ):
        return image
    band_format = image.format
    color, alpha = _split_alpha(image)
    if options.brightness or options.contrast != 1:
        color = (color - 128) * options.contrast + 128 + options.brightness
    if options.saturation != 1 and color.bands >= 3:
        lch = color.colourspace("lch")
        color = (lch * [1, options.saturation, 1]).colourspace("srgb")
    if mono.intensity:
        grey = color.colourspace("b-w")
        if color.bands < 3:
            color = color.bandjoin([color, color])
        tint = grey / 255 * [mono.color.red, mono.color.green, mono.color.blue]
        color = color * (1 - mono.intensity) + tint * mono.intensity
    color = color.copy(interpretation="srgb" if color.bands >= 3 else "b-w")
    return _join_alpha(color, alpha, band_format)
