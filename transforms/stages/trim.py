"""Trim borders of one colour (the top-left pixel's unless given) before any geometry."""

from __future__ import annotations

from dataclasses import replace

import pyvips

from imgproxy.url.options import Trim
from transforms.borders import find_borders
from transforms.cancellation import Cancellation
from transforms.stages.loading import Loading
from transforms.stages.source_fit import trim_of

WHITE = (255, 255, 255)


def _probe_image(image: pyvips.Image, options: Trim) -> pyvips.Image:
    """An 8-bit, alpha-free copy to search for the borders in: transparency becomes the trim
    colour (so `FF00FF` trims transparent borders, as imgproxy documents)."""
    if image.format != "uchar":
        image = image.colourspace("srgb" if image.bands >= 3 else "b-w")
    if image.hasalpha():
        color = options.color
        rgb = (color.red, color.green, color.blue) if color else WHITE
        background = list(rgb) if image.bands > 2 else [sum(rgb) / 3]
        image = image.flatten(background=background)
    return image


def trim(image: pyvips.Image, options: Trim, cancellation: Cancellation) -> pyvips.Image:
    if options.threshold is None:
        return image
    image = cancellation.in_memory(image)
    with cancellation.watching(image):
        left, top, width, height = _borders(image, options, options.threshold)
    if width == 0 or height == 0:
        return image
    if options.equal_horizontal:
        side = min(left, image.width - left - width)
        left, width = side, image.width - 2 * side
    if options.equal_vertical:
        side = min(top, image.height - top - height)
        top, height = side, image.height - 2 * side
    return cancellation.in_memory(image.crop(left, top, width, height))


def _borders(image: pyvips.Image, options: Trim, threshold: float) -> tuple[int, int, int, int]:
    probe = _probe_image(image, options)
    if options.color is not None:
        rgb = [float(options.color.red), float(options.color.green), float(options.color.blue)]
        background = rgb if probe.bands >= 3 else [sum(rgb) / 3]
    else:
        background = list(probe.getpoint(0, 0))
    return find_borders(probe, threshold, background)


def trim_source(state: Loading) -> Loading:
    """Loads one frame whole (trim needs every pixel); the plan is then made for what is left."""
    if state.options.trim.threshold is None or state.frames != 1 or state.image is not None:
        return state
    untrimmed = state.source.load(state.shrink, page=state.options.page)
    with state.cancellation.watching(untrimmed):
        options = trim_of(state.options, untrimmed)
    image = trim(untrimmed, options, state.cancellation)
    return replace(state, image=image, size=(image.width, image.height))
