"""Readers (URL arguments onto `Options`) for colour, filters and watermark options."""

from __future__ import annotations

from imgproxy.url import args as a
from imgproxy.url.geometry_options import COMPASS, single
from imgproxy.url.object_options import read_crop_objects
from imgproxy.url.options import Color, GravityType, Monochrome, Options, Watermark
from imgproxy.url.records import replace

WATERMARK_POSITIONS = COMPASS | {"re": GravityType.REPLICATE, "ch": GravityType.CHESSBOARD}
MAX_SHADOW_SIGMA = 100.0


def read_background(options: Options, values: list[str]) -> Options:
    if len(values) == 1:
        if not values[0]:
            return replace(options, background=None)
        return replace(options, background=Color(*a.hex_color("background", values[0])))
    if len(values) != 3:
        raise a.expected("R:G:B or a hex colour", "background", ":".join(values))
    red, green, blue = (
        a.integer(f"background {channel}", value, 0, 255)
        for channel, value in zip("RGB", values, strict=True)
    )
    return replace(options, background=Color(red, green, blue))


def read_background_alpha(options: Options, values: list[str]) -> Options:
    alpha = a.number("background_alpha", single("background_alpha", values), high=1.0)
    return replace(options, background_alpha=alpha)


def read_blur(options: Options, values: list[str]) -> Options:
    return replace(options, blur=a.number("blur", single("blur", values), high=1000.0))


def read_sharpen(options: Options, values: list[str]) -> Options:
    return replace(options, sharpen=a.number("sharpen", single("sharpen", values), high=1000.0))


def read_pixelate(options: Options, values: list[str]) -> Options:
    return replace(options, pixelate=a.integer("pixelate", single("pixelate", values)))


def read_brightness(options: Options, values: list[str]) -> Options:
    brightness = a.integer("brightness", single("brightness", values), -255, 255)
    return replace(options, brightness=brightness)


def read_contrast(options: Options, values: list[str]) -> Options:
    return replace(options, contrast=a.number("contrast", single("contrast", values), high=100.0))


def read_saturation(options: Options, values: list[str]) -> Options:
    value = a.number("saturation", single("saturation", values), high=100.0)
    return replace(options, saturation=value)


def read_adjust(options: Options, values: list[str]) -> Options:
    """`adjust:%brightness:%contrast:%saturation`, each optional: an empty one keeps its value."""
    a.check_count("adjust", values, 3)
    for read, value in zip((read_brightness, read_contrast, read_saturation), values, strict=False):
        if value:
            options = read(options, [value])
    return options


REFUSED_OPTIONS: dict[str, str] = {}
"""imgproxy Pro options this server knows and cannot honour, with the reason a 400 gives."""


def read_co(options: Options, values: list[str]) -> Options:
    """imgproxy's docs give `co` to `contrast:%contrast` and to
    `crop_objects:%scale_factor:%class_name...`: one number is a contrast; more arguments, or
    one that is not a number (a class name), are objects."""
    if len(values) == 1 and a.DECIMAL.fullmatch(values[0]):
        return read_contrast(options, values)
    return read_crop_objects(options, values)


def read_monochrome(options: Options, values: list[str]) -> Options:
    a.check_count("monochrome", values, 2)
    intensity = a.number("monochrome", values[0], high=1.0)
    color = (
        Color(*a.hex_color("monochrome color", values[1]))
        if len(values) > 1 and values[1]
        else Monochrome().color
    )
    return replace(options, monochrome=Monochrome(intensity, color))


def read_watermark_size(options: Options, values: list[str]) -> Options:
    """`watermark_size:%width:%height`; an empty side keeps its value."""
    a.check_count("watermark_size", values, 2)
    width, height = options.watermark_width, options.watermark_height
    if values[0]:
        width = a.integer("watermark_size width", values[0])
    if len(values) > 1 and values[1]:
        height = a.integer("watermark_size height", values[1])
    return replace(options, watermark_width=width, watermark_height=height)


def read_watermark_rotate(options: Options, values: list[str]) -> Options:
    angle = a.number("watermark_rotate", single("watermark_rotate", values), low=-360.0, high=360.0)
    return replace(options, watermark_rotate=angle)


def read_watermark_shadow(options: Options, values: list[str]) -> Options:
    sigma = a.number("watermark_shadow", single("watermark_shadow", values), high=MAX_SHADOW_SIGMA)
    return replace(options, watermark_shadow=sigma)


def read_watermark(options: Options, values: list[str]) -> Options:
    a.check_count("watermark", values, 5)
    current = options.watermark
    opacity = a.number("watermark opacity", values[0], high=1.0)
    position = (
        a.choice("watermark position", values[1], WATERMARK_POSITIONS)
        if len(values) > 1 and values[1]
        else current.position
    )
    x = (
        a.number("watermark x offset", values[2], low=-a.MAX_DIMENSION)
        if len(values) > 2 and values[2]
        else current.x
    )
    y = (
        a.number("watermark y offset", values[3], low=-a.MAX_DIMENSION)
        if len(values) > 3 and values[3]
        else current.y
    )
    scale = (
        a.number("watermark scale", values[4], high=100.0)
        if len(values) > 4 and values[4]
        else current.scale
    )
    return replace(options, watermark=Watermark(opacity, position, x, y, scale))
