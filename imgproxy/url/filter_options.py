"""Readers for imgproxy Pro's filters: `duotone`, `unsharp_masking`, `blur_areas`,
`progressive_blur`, `colorize` and `gradient`. An empty argument keeps its value."""

from __future__ import annotations

from imgproxy.url import args as a
from imgproxy.url.options import (
    BlurAreas,
    Color,
    Colorize,
    Duotone,
    Gradient,
    Options,
    ProgressiveBlur,
    Ramp,
    UnsharpMasking,
    UnsharpMode,
)
from imgproxy.url.records import replace

DIRECTIONS = {"down": 0.0, "left": 90.0, "up": 180.0, "right": 270.0}
"""The named directions, as the angle (clockwise from top-down) they stand for."""
MAX_SIGMA = 1000.0
MAX_BLUR_AREAS = 32
UNSHARP_MODES = {mode.value: mode for mode in UnsharpMode}


def _arg(values: list[str], index: int) -> str:
    return values[index] if len(values) > index else ""


def _color(name: str, value: str, current: Color) -> Color:
    return Color(*a.hex_color(name, value)) if value else current


def _fraction(name: str, value: str, current: float) -> float:
    return a.number(name, value, high=1.0) if value else current


def _direction(name: str, value: str, current: float) -> float:
    if not value:
        return current
    if value in DIRECTIONS:
        return DIRECTIONS[value]
    if not a.DECIMAL.fullmatch(value):
        raise a.expected(f"one of {', '.join(DIRECTIONS)} or an angle", name, value)
    return a.number(name, value, low=-360.0, high=360.0) % 360


def _ramp(name: str, values: list[str], current: Ramp) -> Ramp:
    """`%direction:%start:%stop`, each optional."""
    return Ramp(
        _direction(f"{name} direction", _arg(values, 0), current.direction),
        _fraction(f"{name} start", _arg(values, 1), current.start),
        _fraction(f"{name} stop", _arg(values, 2), current.stop),
    )


def read_duotone(options: Options, values: list[str]) -> Options:
    a.check_count("duotone", values, 3)
    current = options.duotone
    intensity = _fraction("duotone", values[0], current.intensity)
    dark = _color("duotone color1", _arg(values, 1), current.dark)
    light = _color("duotone color2", _arg(values, 2), current.light)
    return replace(options, duotone=Duotone(intensity, dark, light))


def read_unsharp_masking(options: Options, values: list[str]) -> Options:
    a.check_count("unsharp_masking", values, 3, least=0)
    current = options.unsharp_masking
    mode, weight, divider = (_arg(values, index) for index in range(3))
    return replace(
        options,
        unsharp_masking=UnsharpMasking(
            a.choice("unsharp_masking mode", mode, UNSHARP_MODES) if mode else current.mode,
            a.number("unsharp_masking weight", weight, low=0, low_inclusive=False, high=100)
            if weight
            else current.weight,
            a.number("unsharp_masking divider", divider, low=0, low_inclusive=False, high=1000)
            if divider
            else current.divider,
        ),
    )


def read_blur_areas(options: Options, values: list[str]) -> Options:
    """`%sigma:%left1:%top1:%width1:%height1:...`: the areas replace any earlier ones."""
    a.check_count("blur_areas", values, 1 + 4 * MAX_BLUR_AREAS)
    if len(values) % 4 != 1:
        raise a.ArgumentError(
            f"Expected a sigma and 4 numbers per area for blur_areas but received {len(values)}"
        )
    sigma = a.number("blur_areas sigma", values[0], high=MAX_SIGMA)
    numbers = [a.number("blur_areas area", value, high=1.0) for value in values[1:]]
    areas = tuple(
        (numbers[index], numbers[index + 1], numbers[index + 2], numbers[index + 3])
        for index in range(0, len(numbers), 4)
    )
    return replace(options, blur_areas=BlurAreas(sigma, areas))


def read_progressive_blur(options: Options, values: list[str]) -> Options:
    a.check_count("progressive_blur", values, 4)
    current = options.progressive_blur
    sigma = a.number("progressive_blur sigma", values[0], high=MAX_SIGMA)
    ramp = _ramp("progressive_blur", values[1:], current.ramp)
    return replace(options, progressive_blur=ProgressiveBlur(sigma, ramp))


def read_colorize(options: Options, values: list[str]) -> Options:
    a.check_count("colorize", values, 3)
    current = options.colorize
    opacity = a.number("colorize opacity", values[0], high=1.0)
    color = _color("colorize color", _arg(values, 1), current.color)
    keep = _arg(values, 2)
    keep_alpha = a.boolean("colorize keep_alpha", keep) if keep else current.keep_alpha
    return replace(options, colorize=Colorize(opacity, color, keep_alpha))


def read_gradient(options: Options, values: list[str]) -> Options:
    a.check_count("gradient", values, 5)
    current = options.gradient
    opacity = a.number("gradient opacity", values[0], high=1.0)
    color = _color("gradient color", _arg(values, 1), current.color)
    ramp = _ramp("gradient", values[2:], current.ramp)
    return replace(options, gradient=Gradient(opacity, color, ramp))
