"""One function per processing option: validate its arguments, return the updated Options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from imgproxy.url import args as a
from imgproxy.url.options import (
    FORMAT_NAMES,
    Extend,
    Gravity,
    GravityType,
    Options,
    ResizingType,
)

Applier = Callable[[Options, list[str]], Options]

RESIZING_TYPES = {member.value: member for member in ResizingType}
GRAVITY_TYPES = {member.value: member for member in GravityType}
EXTEND_GRAVITY_TYPES = {
    name: member for name, member in GRAVITY_TYPES.items() if member is not GravityType.SMART
}


def gravity(name: str, values: list[str], types: Mapping[str, GravityType]) -> Gravity:
    a.check_count(name, values, 3)
    kind = a.choice(name, values[0], types)
    if kind is GravityType.SMART:
        a.check_count(name, values, 1)
        return Gravity(kind)
    if kind is GravityType.FOCUS_POINT:
        a.check_count(name, values, 3, least=3)
        return Gravity(
            kind,
            a.number(f"{name} x", values[1], high=1.0),
            a.number(f"{name} y", values[2], high=1.0),
        )
    offsets = [
        a.number(f"{name} {axis} offset", value, low=-a.MAX_DIMENSION) if value else 0.0
        for axis, value in zip("xy", values[1:], strict=False)
    ]
    offsets += [0.0] * (2 - len(offsets))
    return Gravity(kind, offsets[0], offsets[1])


def apply_resizing_type(options: Options, values: list[str]) -> Options:
    a.check_count("resizing_type", values, 1)
    return replace(options, resizing_type=a.choice("resizing_type", values[0], RESIZING_TYPES))


def apply_width(options: Options, values: list[str]) -> Options:
    a.check_count("width", values, 1)
    return replace(options, width=a.integer("width", values[0]))


def apply_height(options: Options, values: list[str]) -> Options:
    a.check_count("height", values, 1)
    return replace(options, height=a.integer("height", values[0]))


def apply_enlarge(options: Options, values: list[str]) -> Options:
    a.check_count("enlarge", values, 1)
    return replace(options, enlarge=a.boolean("enlarge", values[0]))


def apply_extend(options: Options, values: list[str]) -> Options:
    a.check_count("extend", values, 4)
    enabled = a.boolean("extend", values[0])
    anchor = (
        gravity("extend gravity", values[1:], EXTEND_GRAVITY_TYPES)
        if len(values) > 1 and values[1]
        else options.extend.gravity
    )
    return replace(options, extend=Extend(enabled, anchor))


def apply_size(options: Options, values: list[str]) -> Options:
    a.check_count("size", values, 7)
    steps: tuple[Applier, ...] = (apply_width, apply_height, apply_enlarge)
    for step, value in zip(steps, values, strict=False):
        if value:
            options = step(options, [value])
    if len(values) > 3 and values[3]:
        options = apply_extend(options, values[3:])
    return options


def apply_resize(options: Options, values: list[str]) -> Options:
    a.check_count("resize", values, 8)
    if values[0]:
        options = apply_resizing_type(options, values[:1])
    return apply_size(options, values[1:]) if len(values) > 1 else options


def apply_dpr(options: Options, values: list[str]) -> Options:
    a.check_count("dpr", values, 1)
    return replace(options, dpr=a.number("dpr", values[0], low=0.0, high=8.0, low_inclusive=False))


def apply_gravity(options: Options, values: list[str]) -> Options:
    return replace(options, gravity=gravity("gravity", values, GRAVITY_TYPES))


def apply_quality(options: Options, values: list[str]) -> Options:
    a.check_count("quality", values, 1)
    return replace(options, quality=a.integer("quality", values[0], 0, 100))


def apply_format(options: Options, values: list[str]) -> Options:
    a.check_count("format", values, 1)
    return replace(options, format=a.choice("format", values[0].lower(), FORMAT_NAMES))


def apply_auto_rotate(options: Options, values: list[str]) -> Options:
    a.check_count("auto_rotate", values, 1)
    return replace(options, auto_rotate=a.boolean("auto_rotate", values[0]))


def apply_strip_metadata(options: Options, values: list[str]) -> Options:
    a.check_count("strip_metadata", values, 1)
    return replace(options, strip_metadata=a.boolean("strip_metadata", values[0]))


def apply_cachebuster(options: Options, values: list[str]) -> Options:
    a.check_count("cachebuster", values, 1)
    return replace(options, cachebuster=values[0])


def apply_expires(options: Options, values: list[str]) -> Options:
    a.check_count("expires", values, 1)
    timestamp = a.integer("expires", values[0], 0, 2**63 - 1)
    return replace(options, expires=timestamp or None)


APPLIERS: dict[str, Applier] = {}
for _names, _applier in (
    (("resize", "rs"), apply_resize),
    (("size", "s"), apply_size),
    (("resizing_type", "rt"), apply_resizing_type),
    (("width", "w"), apply_width),
    (("height", "h"), apply_height),
    (("dpr",), apply_dpr),
    (("enlarge", "el"), apply_enlarge),
    (("extend", "ex"), apply_extend),
    (("gravity", "g"), apply_gravity),
    (("quality", "q"), apply_quality),
    (("format", "f", "ext"), apply_format),
    (("auto_rotate", "ar"), apply_auto_rotate),
    (("strip_metadata", "sm"), apply_strip_metadata),
    (("cachebuster", "cb"), apply_cachebuster),
    (("expires", "exp"), apply_expires),
):
    APPLIERS.update(dict.fromkeys(_names, _applier))
