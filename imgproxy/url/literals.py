"""Values spelled as Python literals: the canonical form of what a path cannot say.

Cache keys hold these strings. Each spelling is written out here field by field, in the text
`repr` gave before (`Gravity(type=<GravityType.CENTER: 'ce'>, x=0.0, y=0.0)`), so a key moves
only when a spelling here does, not when a class changes. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from imgproxy.url.options import (
    Asset,
    BlurAreas,
    Color,
    Colorize,
    Crop,
    Duotone,
    Extend,
    Gradient,
    Gravity,
    ImageFormat,
    Monochrome,
    Padding,
    ProgressiveBlur,
    Ramp,
    SourceFit,
    Trim,
    Watermark,
)
from imgproxy.url.pixel_filters import PixelFilter

Spell = Callable[[Any], str]
ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def scalar(value: float | None) -> str:
    """None, a bool, an int or a float: `None`, `True`, `3`, `0.25`, `1e-05`."""
    return str(value)


def _escaped(char: str, quote: str) -> str:
    code = ord(char)
    if char == quote:
        return "\\" + char
    if char in ESCAPES:
        return ESCAPES[char]
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x7F or char.isprintable():
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def string(value: str) -> str:
    """Quoted with `'`, or `"` when only `'` occurs inside; unprintable characters escaped."""
    quote = '"' if "'" in value and '"' not in value else "'"
    return quote + "".join(_escaped(char, quote) for char in value) + quote


def member(label: str) -> Callable[[Enum], str]:
    """`<Label.NAME: 'value'>` for a member of the enumeration called `label`."""

    def spell(value: Enum) -> str:
        return f"<{label}.{value.name}: {string(value.value)}>"

    return spell


def optional(spell: Spell) -> Spell:
    def spell_optional(value: object) -> str:
        return "None" if value is None else spell(value)

    return spell_optional


def tuple_of(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def each(spell: Spell) -> Spell:
    """A tuple of values, each spelled by `spell`."""

    def spell_each(values: Sequence[Any]) -> str:
        return tuple_of([spell(value) for value in values])

    return spell_each


def record(label: str, /, **fields: str) -> str:
    """`Label(field=literal, ...)`, the fields in the order given."""
    return f"{label}({', '.join(f'{key}={text}' for key, text in fields.items())})"


resizing_type = member("ResizingType")
resizing_algorithm = member("ResizingAlgorithm")
gravity_type = member("GravityType")
image_format = member("ImageFormat")


def color(value: Color) -> str:
    return record(
        "Color", red=scalar(value.red), green=scalar(value.green), blue=scalar(value.blue)
    )


def gravity(value: Gravity) -> str:
    return record("Gravity", type=gravity_type(value.type), x=scalar(value.x), y=scalar(value.y))


def extend(value: Extend) -> str:
    return record("Extend", enabled=scalar(value.enabled), gravity=gravity(value.gravity))


def crop(value: Crop) -> str:
    return record(
        "Crop",
        width=scalar(value.width),
        height=scalar(value.height),
        gravity=optional(gravity)(value.gravity),
    )


def trim(value: Trim) -> str:
    return record(
        "Trim",
        threshold=scalar(value.threshold),
        color=optional(color)(value.color),
        equal_horizontal=scalar(value.equal_horizontal),
        equal_vertical=scalar(value.equal_vertical),
    )


def padding(value: Padding) -> str:
    sides = {"top": value.top, "right": value.right, "bottom": value.bottom, "left": value.left}
    return record("Padding", **{side: scalar(size) for side, size in sides.items()})


def monochrome(value: Monochrome) -> str:
    return record("Monochrome", intensity=scalar(value.intensity), color=color(value.color))


def watermark(value: Watermark) -> str:
    return record(
        "Watermark",
        opacity=scalar(value.opacity),
        position=gravity_type(value.position),
        x=scalar(value.x),
        y=scalar(value.y),
        scale=scalar(value.scale),
    )


def source_fit(value: SourceFit) -> str:
    return record(
        "SourceFit",
        orig_width=scalar(value.orig_width),
        orig_height=scalar(value.orig_height),
        cover=scalar(value.cover),
        adaptive=scalar(value.adaptive),
        focal=optional(each(scalar))(value.focal),
        trim_bottom_right=scalar(value.trim_bottom_right),
    )


def pixel_filter(value: PixelFilter) -> str:
    args = [string(arg) if isinstance(arg, str) else scalar(arg) for arg in value.args]
    return record("PixelFilter", name=string(value.name), args=tuple_of(args))


def asset(value: Asset) -> str:
    return record("Asset", role=string(value.role), url=string(value.url))


def format_quality(value: tuple[tuple[ImageFormat, int], ...]) -> str:
    return tuple_of([tuple_of([image_format(name), scalar(quality)]) for name, quality in value])


def _setting(value: object) -> str:
    return string(value.value) if isinstance(value, Enum) else scalar(value)  # type: ignore[arg-type]


def _settings(label: str, names: tuple[str, ...]) -> Spell:
    """An encoder options record: each named field `None` (the server's setting) or its value."""

    def spell(value: object) -> str:
        return record(label, **{name: _setting(getattr(value, name)) for name in names})

    return spell


jpeg_options = _settings(
    "JpegOptions",
    (
        "progressive",
        "no_subsample",
        "trellis_quant",
        "overshoot_deringing",
        "optimize_scans",
        "quant_table",
    ),
)
png_options = _settings("PngOptions", ("interlaced", "quantize", "quantization_colors"))
webp_options = _settings("WebpOptions", ("compression", "smart_subsample", "preset"))
avif_options = _settings("AvifOptions", ("subsample",))
unsharp_masking = _settings("UnsharpMasking", ("mode", "weight", "divider"))
autoquality = _settings(
    "Autoquality", ("method", "target", "min_quality", "max_quality", "allowed_error")
)


def duotone(value: Duotone) -> str:
    return record(
        "Duotone",
        intensity=scalar(value.intensity),
        dark=color(value.dark),
        light=color(value.light),
    )


def blur_areas(value: BlurAreas) -> str:
    return record("BlurAreas", sigma=scalar(value.sigma), areas=each(each(scalar))(value.areas))


def ramp(value: Ramp) -> str:
    return record(
        "Ramp",
        direction=scalar(value.direction),
        start=scalar(value.start),
        stop=scalar(value.stop),
    )


def progressive_blur(value: ProgressiveBlur) -> str:
    return record("ProgressiveBlur", sigma=scalar(value.sigma), ramp=ramp(value.ramp))


def colorize(value: Colorize) -> str:
    return record(
        "Colorize",
        opacity=scalar(value.opacity),
        color=color(value.color),
        keep_alpha=scalar(value.keep_alpha),
    )


def gradient(value: Gradient) -> str:
    return record(
        "Gradient", opacity=scalar(value.opacity), color=color(value.color), ramp=ramp(value.ramp)
    )
