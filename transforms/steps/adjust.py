"""brightness, contrast, saturation, monochrome and duotone (paid options in imgproxy, free
here).

The arithmetic runs on an 8-bit scale; 16-bit images are scaled down for it and back after.
"""

from __future__ import annotations

import pyvips

from transforms.job import Job

SIXTEEN_BIT = 257
LUMA = (0.2126, 0.7152, 0.0722)
"""Rec. 709 weights: a pixel's lightness for `duotone`."""


def _split_alpha(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    if image.hasalpha():
        return image.extract_band(0, n=image.bands - 1), image.extract_band(image.bands - 1)
    return image, None


def adjust(image: pyvips.Image, job: Job) -> pyvips.Image:
    options = job.options
    mono = options.monochrome
    untouched = options.brightness == 0 and options.contrast == 1 and options.saturation == 1
    duo = options.duotone
    if untouched and mono.intensity == 0 and duo.intensity == 0:
        return image
    wide = image.format == "ushort"
    band_format, interpretation = image.format, image.interpretation
    color, alpha = _split_alpha(image)
    rgb = color.bands >= 3
    work = (color / SIXTEEN_BIT if wide else color).cast("float")
    work = work.copy(interpretation="srgb" if rgb else "b-w")
    if options.brightness or options.contrast != 1:
        work = (work - 128) * options.contrast + 128 + options.brightness
    if options.saturation != 1 and rgb:
        lch = work.colourspace("lch") * [1, options.saturation, 1]
        work = lch.colourspace("srgb").cast("float")
    if mono.intensity:
        grey = work.colourspace("b-w").cast("float")
        tint = grey / 255 * [mono.color.red, mono.color.green, mono.color.blue]
        work = (work if rgb else work.bandjoin([work, work])) * (1 - mono.intensity)
        work = work + tint * mono.intensity
        rgb = True
    if duo.intensity:
        grey = (
            sum(work.extract_band(band) * weight for band, weight in enumerate(LUMA))
            if rgb
            else work
        ) / 255
        dark = [duo.dark.red, duo.dark.green, duo.dark.blue]
        light = [duo.light.red, duo.light.green, duo.light.blue]
        tone = grey * [high - low for low, high in zip(dark, light, strict=True)] + dark
        work = (work if rgb else work.bandjoin([work, work])) * (1 - duo.intensity)
        work = work + tone * duo.intensity
        rgb = True
    if wide:
        work = work * SIXTEEN_BIT
    work = work.cast(band_format)
    if rgb and work.bands >= 3:
        interpretation = "rgb16" if wide else "srgb"
    work = work.copy(interpretation=interpretation)
    return work.bandjoin(alpha) if alpha is not None else work
