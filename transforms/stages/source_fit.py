"""Geometry that depends on the source (thumbor URLs), settled once its size is known."""

from __future__ import annotations

from dataclasses import replace

import pyvips

from imgproxy.url.options import Color, Gravity, GravityType, Options, Trim
from transforms.stages.loading import Loading


def _box(options: Options, width: int, height: int) -> tuple[int, int]:
    """The source size `orig` refers to: after the manual crop, when there is one."""
    crop = options.crop
    if crop.gravity is not None and crop.gravity.type is GravityType.NORTH_WEST:
        return int(crop.width) or width, int(crop.height) or height
    return width, height


def settle(options: Options, width: int, height: int) -> Options:
    """Concrete width, height and gravity for a `width` x `height` (displayed) source."""
    fit = options.source_fit
    if fit is None:
        return options
    source_w, source_h = _box(options, width, height)
    target_w = source_w if fit.orig_width else options.width
    target_h = source_h if fit.orig_height else options.height
    crossed = (source_w - source_h) * (target_w - target_h) < 0
    if fit.adaptive and target_w and target_h and crossed:
        target_w, target_h = target_h, target_w
    if fit.cover and target_w and target_h:
        if source_w / target_w <= source_h / target_h:
            target_h = 0
        else:
            target_w = 0
    gravity = options.gravity
    if fit.focal is not None:
        left, top, right, bottom = fit.focal
        gravity = Gravity(
            GravityType.FOCUS_POINT,
            min(1.0, max(0.0, (left + right) / 2 / width)),
            min(1.0, max(0.0, (top + bottom) / 2 / height)),
        )
    return replace(options, width=target_w, height=target_h, gravity=gravity)


def trim_of(options: Options, image: pyvips.Image) -> Trim:
    """The trim settings, with the bottom-right pixel's colour when the URL asks for it."""
    fit = options.source_fit
    if fit is None or not fit.trim_bottom_right:
        return options.trim
    pixel = image.getpoint(image.width - 1, image.height - 1)
    scale = 257 if image.format == "ushort" else 1
    red, green, blue = (
        round(pixel[i] / scale) for i in ((0, 1, 2) if len(pixel) >= 3 else (0, 0, 0))
    )
    return replace(options.trim, color=Color(red, green, blue))


def fit_source(state: Loading) -> Loading:
    """The geometry of thumbor's `orig`, `full-fit-in`, `adaptive-fit-in` and focal points,
    for the source as displayed."""
    if state.options.source_fit is None:
        return state
    info = state.source.info
    swapped = state.orientation.angle % 180
    upright = (info.height, info.width) if swapped else (info.width, info.height)
    return replace(state, geometry=settle(state.options, *upright))
