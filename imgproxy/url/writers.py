"""Values written back as path arguments: the inverse of the readers, one spelling each."""

from __future__ import annotations

import base64
from dataclasses import astuple
from enum import Enum

from imgproxy.url.options import (
    Autoquality,
    AvifOptions,
    BlurAreas,
    Color,
    Colorize,
    Crop,
    Duotone,
    Extend,
    Gradient,
    Gravity,
    GravityType,
    ImageFormat,
    JpegOptions,
    Monochrome,
    Padding,
    PngOptions,
    ProgressiveBlur,
    Ramp,
    Trim,
    UnsharpMasking,
    Watermark,
    WebpOptions,
)

SAFE_FILENAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def flag(value: bool | None) -> str:
    return "1" if value else "0"


def color(value: Color | None) -> str:
    return value.hex if value else ""


def gravity_args(anchor: Gravity) -> list[str]:
    if anchor.type in (GravityType.SMART, GravityType.OBJECTS, GravityType.PROPORTIONAL):
        return [anchor.type.value]
    offsets = [anchor.x, anchor.y]
    if anchor.type is not GravityType.FOCUS_POINT and anchor.y == 0.0:
        offsets = [anchor.x] if anchor.x else []
    return [anchor.type.value, *map(number, offsets)]


def extend_args(extend: Extend) -> list[str]:
    tail = gravity_args(extend.gravity) if extend.gravity != Gravity() else []
    return [flag(extend.enabled), *tail]


def crop_args(crop: Crop) -> list[str]:
    tail = gravity_args(crop.gravity) if crop.gravity is not None else []
    return [number(crop.width), number(crop.height), *tail]


def trim_args(trim: Trim) -> list[str]:
    threshold = "" if trim.threshold is None else number(trim.threshold)
    return [threshold, color(trim.color), flag(trim.equal_horizontal), flag(trim.equal_vertical)]


def padding_args(padding: Padding) -> list[str]:
    return [str(side) for side in (padding.top, padding.right, padding.bottom, padding.left)]


def monochrome_args(monochrome: Monochrome) -> list[str]:
    return [number(monochrome.intensity), color(monochrome.color)]


def watermark_args(mark: Watermark) -> list[str]:
    head = [number(mark.opacity), mark.position.value, number(mark.x), number(mark.y)]
    return [*head, number(mark.scale)] if mark.scale else head


def format_quality_args(qualities: tuple[tuple[ImageFormat, int], ...]) -> list[str]:
    return [part for name, quality in qualities for part in (name.value, str(quality))] or [""]


def formats_args(formats: tuple[ImageFormat, ...]) -> list[str]:
    return [name.value for name in formats] or [""]


def format_args(value: ImageFormat | None) -> list[str]:
    return [value.value if value else ""]


def filename_args(name: str) -> list[str]:
    if set(name) <= SAFE_FILENAME_CHARS:
        return [name]
    encoded = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii").rstrip("=")
    return [encoded, "1"]


def _setting_arg(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return flag(value)
    return number(value) if isinstance(value, float) else str(value)


def settings_args(
    settings: JpegOptions | PngOptions | WebpOptions | AvifOptions | UnsharpMasking | Autoquality,
) -> list[str]:
    """Each field in the grammar's order, empty for the server's setting, trailing empties
    left out."""
    args = [_setting_arg(value) for value in astuple(settings)]
    while args and not args[-1]:
        args.pop()
    return args


def duotone_args(value: Duotone) -> list[str]:
    return [number(value.intensity), value.dark.hex, value.light.hex]


def blur_areas_args(value: BlurAreas) -> list[str]:
    return [number(value.sigma), *(number(part) for area in value.areas for part in area)]


def _ramp_args(value: Ramp) -> list[str]:
    return [number(value.direction), number(value.start), number(value.stop)]


def progressive_blur_args(value: ProgressiveBlur) -> list[str]:
    return [number(value.sigma), *_ramp_args(value.ramp)]


def colorize_args(value: Colorize) -> list[str]:
    return [number(value.opacity), value.color.hex, flag(value.keep_alpha)]


def gradient_args(value: Gradient) -> list[str]:
    return [number(value.opacity), value.color.hex, *_ramp_args(value.ramp)]
