"""Readers (URL arguments onto `Options`) for the options that decide the result's geometry."""

from __future__ import annotations

from collections.abc import Mapping

from imgproxy.url import args as a
from imgproxy.url.options import (
    Color,
    Crop,
    Extend,
    Gravity,
    GravityType,
    Options,
    Padding,
    ResizingAlgorithm,
    ResizingType,
    Trim,
)
from imgproxy.url.records import replace

RESIZING_TYPES = {member.value: member for member in ResizingType}
RESIZING_ALGORITHMS = {member.value: member for member in ResizingAlgorithm}
SPECIAL_GRAVITIES = {
    GravityType.SMART,
    GravityType.FOCUS_POINT,
    GravityType.OBJECTS,
    GravityType.PROPORTIONAL,
    GravityType.REPLICATE,
    GravityType.CHESSBOARD,
}
COMPASS = {member.value: member for member in GravityType if member not in SPECIAL_GRAVITIES}
CROP_GRAVITIES = COMPASS | {"sm": GravityType.SMART, "fp": GravityType.FOCUS_POINT}
EXTEND_GRAVITIES = COMPASS | {"fp": GravityType.FOCUS_POINT}
GRAVITIES = CROP_GRAVITIES | {"obj": GravityType.OBJECTS, "objw": GravityType.OBJECTS}
OBJECT_CLASSES = ("face", "all")
"""What `obj` and `objw` may name: faces are the one class detected (`all` is every class)."""
MAX_PAGE = 9999


def object_classes(name: str, classes: list[str]) -> None:
    for value in classes:
        if value not in OBJECT_CLASSES:
            raise a.expected("object class face or all", name, value)


def objects_gravity(name: str, values: list[str]) -> Gravity:
    """`obj:%class...` and `objw:%class:%weight...`: checked, then one value, since with one
    class the weights cannot change where the faces go."""
    if values[0] == "obj":
        object_classes(name, values[1:])
        return Gravity(GravityType.OBJECTS)
    pairs = values[1:]
    if not pairs or len(pairs) % 2:
        raise a.ArgumentError(f"Expected class and weight pairs for {name} objw")
    object_classes(name, pairs[::2])
    for weight in pairs[1::2]:
        a.number(f"{name} class weight", weight)
    return Gravity(GravityType.OBJECTS)


def gravity(name: str, values: list[str], types: Mapping[str, GravityType]) -> Gravity:
    if values and values[0] in ("obj", "objw") and values[0] in types:
        return objects_gravity(name, values)
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


def single(name: str, values: list[str]) -> str:
    a.check_count(name, values, 1)
    return values[0]


def read_resizing_type(options: Options, values: list[str]) -> Options:
    kind = a.choice("resizing_type", single("resizing_type", values), RESIZING_TYPES)
    return replace(options, resizing_type=kind)


def read_resizing_algorithm(options: Options, values: list[str]) -> Options:
    value = single("resizing_algorithm", values)
    return replace(
        options, resizing_algorithm=a.choice("resizing_algorithm", value, RESIZING_ALGORITHMS)
    )


def read_width(options: Options, values: list[str]) -> Options:
    return replace(options, width=a.integer("width", single("width", values)))


def read_height(options: Options, values: list[str]) -> Options:
    return replace(options, height=a.integer("height", single("height", values)))


def read_min_width(options: Options, values: list[str]) -> Options:
    return replace(options, min_width=a.integer("min-width", single("min-width", values)))


def read_min_height(options: Options, values: list[str]) -> Options:
    return replace(options, min_height=a.integer("min-height", single("min-height", values)))


def read_enlarge(options: Options, values: list[str]) -> Options:
    return replace(options, enlarge=a.boolean("enlarge", single("enlarge", values)))


def extend_value(name: str, values: list[str], current: Extend) -> Extend:
    a.check_count(name, values, 4)
    enabled = a.boolean(name, values[0])
    anchor = (
        gravity(f"{name} gravity", values[1:], EXTEND_GRAVITIES)
        if len(values) > 1 and values[1]
        else current.gravity
    )
    return Extend(enabled, anchor)


def read_extend(options: Options, values: list[str]) -> Options:
    return replace(options, extend=extend_value("extend", values, options.extend))


def read_extend_aspect_ratio(options: Options, values: list[str]) -> Options:
    value = extend_value("extend_aspect_ratio", values, options.extend_aspect_ratio)
    return replace(options, extend_aspect_ratio=value)


def read_size(options: Options, values: list[str]) -> Options:
    a.check_count("size", values, 7)
    for step, value in zip((read_width, read_height, read_enlarge), values, strict=False):
        if value:
            options = step(options, [value])
    if len(values) > 3 and values[3]:
        options = read_extend(options, values[3:])
    return options


def read_resize(options: Options, values: list[str]) -> Options:
    a.check_count("resize", values, 8)
    if values[0]:
        options = read_resizing_type(options, values[:1])
    return read_size(options, values[1:]) if len(values) > 1 else options


def read_zoom(options: Options, values: list[str]) -> Options:
    a.check_count("zoom", values, 2)
    zoom_x = a.number("zoom", values[0], low=0.0, high=100.0, low_inclusive=False)
    zoom_y = (
        a.number("zoom", values[1], low=0.0, high=100.0, low_inclusive=False)
        if len(values) > 1
        else zoom_x
    )
    return replace(options, zoom_x=zoom_x, zoom_y=zoom_y)


def read_dpr(options: Options, values: list[str]) -> Options:
    dpr = a.number("dpr", single("dpr", values), low=0.0, high=8.0, low_inclusive=False)
    return replace(options, dpr=dpr)


def read_gravity(options: Options, values: list[str]) -> Options:
    return replace(options, gravity=gravity("gravity", values, GRAVITIES))


def read_crop(options: Options, values: list[str]) -> Options:
    a.check_count("crop", values, 5)
    width = a.number("crop width", values[0], high=a.MAX_DIMENSION) if values[0] else 0.0
    height = (
        a.number("crop height", values[1], high=a.MAX_DIMENSION)
        if len(values) > 1 and values[1]
        else 0.0
    )
    anchor = (
        gravity("crop gravity", values[2:], CROP_GRAVITIES)
        if len(values) > 2 and values[2]
        else None
    )
    return replace(options, crop=Crop(width, height, anchor))


def read_trim(options: Options, values: list[str]) -> Options:
    a.check_count("trim", values, 4)
    threshold = a.number("trim threshold", values[0], high=255.0) if values[0] else None
    color = a.hex_color("trim color", values[1]) if len(values) > 1 and values[1] else None
    flags = [a.boolean("trim", value) if value else False for value in values[2:4]]
    flags += [False] * (2 - len(flags))
    return replace(options, trim=Trim(threshold, Color(*color) if color else None, *flags))


def read_padding(options: Options, values: list[str]) -> Options:
    a.check_count("padding", values, 4)
    sides: list[int | None] = [
        a.integer("padding", value) if value else None for value in values
    ] + [None] * (4 - len(values))
    top = sides[0] or 0
    right = top if sides[1] is None else sides[1]
    bottom = top if sides[2] is None else sides[2]
    left = right if sides[3] is None else sides[3]
    return replace(options, padding=Padding(top, right, bottom, left))


def read_auto_rotate(options: Options, values: list[str]) -> Options:
    return replace(options, auto_rotate=a.boolean("auto_rotate", single("auto_rotate", values)))


def read_rotate(options: Options, values: list[str]) -> Options:
    angle = a.integer("rotate", single("rotate", values), -360 * 100, 360 * 100)
    if angle % 90:
        raise a.ArgumentError("Rotation angle must be a multiple of 90")
    return replace(options, rotate=angle % 360)


def read_flip(options: Options, values: list[str]) -> Options:
    a.check_count("flip", values, 2)
    horizontal = a.boolean("flip", values[0]) if values[0] else False
    vertical = a.boolean("flip", values[1]) if len(values) > 1 and values[1] else False
    return replace(options, flip_horizontal=horizontal, flip_vertical=vertical)


def read_page(options: Options, values: list[str]) -> Options:
    return replace(options, page=a.integer("page", single("page", values), 0, MAX_PAGE))


def read_pages(options: Options, values: list[str]) -> Options:
    return replace(options, pages=a.integer("pages", single("pages", values), 1, MAX_PAGE + 1))


def read_disable_animation(options: Options, values: list[str]) -> Options:
    disable = a.boolean("disable_animation", single("disable_animation", values))
    return replace(options, disable_animation=disable)


def read_crop_aspect_ratio(options: Options, values: list[str]) -> Options:
    """`crop_aspect_ratio:%aspect_ratio[:%enlarge]`; an empty argument keeps its value."""
    a.check_count("crop_aspect_ratio", values, 2)
    ratio, enlarge = options.crop_aspect_ratio, options.crop_aspect_ratio_enlarge
    if values[0]:
        ratio = a.number("crop_aspect_ratio", values[0], high=a.MAX_DIMENSION)
    if len(values) > 1 and values[1]:
        enlarge = a.boolean("crop_aspect_ratio enlarge", values[1])
    return replace(options, crop_aspect_ratio=ratio, crop_aspect_ratio_enlarge=enlarge)
