"""Fill transparency with the background: always when the output has no alpha, or when
`background` was given."""

from __future__ import annotations

import pyvips

from transforms.job import Job


def flatten(image: pyvips.Image, job: Job) -> pyvips.Image:
    asked = job.options.background is not None
    if not image.hasalpha() or (job.output.supports_alpha and not asked):
        return image
    color = job.background
    rgb = [color.red, color.green, color.blue]
    if image.format == "ushort":
        rgb = [channel * 257 for channel in rgb]
    alpha = job.options.background_alpha
    if job.output.supports_alpha and alpha < 1:
        top = 65535 if image.format == "ushort" else 255
        canvas = image.new_from_image([*rgb, alpha * top]).copy(interpretation=image.interpretation)
        return canvas.composite2(image, "over").cast(image.format)
    background = rgb if image.bands > 2 else [sum(rgb) / 3]
    return image.flatten(background=background)
