"""thumbor's pixel filter calls as values: their grammar, bounds and canonical spelling.

Standard library only: `Options` holds `PixelFilter` values and the URL-signing helper imports
this. Each parser receives the raw strings between the parentheses, already split at top-level
commas, and returns the canonical argument tuple of `PixelFilter`. Nothing here uses a
backtracking regular expression on unbounded input: every raw argument is length checked first
and lists are split with `str.split`. The libvips operations are in `transforms.pixel_filters`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from imgproxy.url.args import ArgumentError, boolean, check_count, hex_color, integer, number


@dataclass(frozen=True, slots=True)
class PixelFilter:
    """One thumbor filter call, validated and bounded.

    `args` follow the thumbor argument order, each in one canonical spelling (numbers as floats,
    lists such as a convolution matrix or a curve as normalised strings), so equal requests
    compare and hash equal.
    """

    name: str
    args: tuple[float | str, ...]


MAX_ARGUMENT_CHARS = 4096
MAX_KERNEL_SIDE = 15
MAX_KERNEL_WEIGHT = 10_000.0
MAX_CURVE_POINTS = 256
MAX_CURVE_CHARS = 4 * MAX_ARGUMENT_CHARS
MAX_RADIUS = 8192
MAX_FILL_SIDE = 8192
MAX_SEED = 2**32 - 1
MAX_URL_CHARS = 2048
NUMBER_CHARS = frozenset("0123456789.-+")

Args = tuple[float | str, ...]
Parser = Callable[[str, Sequence[str]], Args]


def _label(name: str, what: str) -> str:
    return f"{name} {what}"


def _flag(value: bool) -> float:
    return 1.0 if value else 0.0


def _rgb(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 3, 3)
    channels = ("red", "green", "blue")
    return tuple(
        number(_label(name, channel), value, low=-100, high=100)
        for channel, value in zip(channels, raw, strict=True)
    )


def _equalize(name: str, raw: Sequence[str]) -> Args:
    if any(raw):
        raise ArgumentError(f"Expected 0 arguments for {name} but received {len(raw)}")
    return ()


def _noise(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 2, 1)
    amount = integer(_label(name, "amount"), raw[0], 0, 100)
    seed = integer(_label(name, "seed"), raw[1], 0, MAX_SEED) if len(raw) > 1 else 0
    return float(amount), float(seed)


def _colorize(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 4, 4)
    channels = ("red", "green", "blue")
    percents = tuple(
        number(_label(name, f"{channel} percentage"), value, low=0, high=100)
        for channel, value in zip(channels, raw[:3], strict=True)
    )
    red, green, blue = hex_color(_label(name, "fill colour"), raw[3].removeprefix("#"))
    return (*percents, f"{red:02x}{green:02x}{blue:02x}")


def kernel_weight(name: str, item: str) -> float:
    """One convolution weight; checked by character set and length before `float`."""
    if not item or len(item) > 24 or not set(item) <= NUMBER_CHARS:
        raise ArgumentError(f"Expected number for {name} matrix item but received '{item[:24]}'")
    try:
        weight = float(item)
    except ValueError:
        raise ArgumentError(
            f"Expected number for {name} matrix item but received '{item}'"
        ) from None
    if abs(weight) > MAX_KERNEL_WEIGHT:
        raise ArgumentError(
            f"Expected number -{MAX_KERNEL_WEIGHT:g}..{MAX_KERNEL_WEIGHT:g} for {name} "
            f"matrix item but received '{item}'"
        )
    return weight


def _convolution(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 3, 2)
    items = raw[0].split(";", MAX_KERNEL_SIDE * MAX_KERNEL_SIDE)
    if len(items) > MAX_KERNEL_SIDE * MAX_KERNEL_SIDE:
        raise ArgumentError(
            f"Expected at most {MAX_KERNEL_SIDE}x{MAX_KERNEL_SIDE} items for {name} matrix"
        )
    weights = [kernel_weight(name, item) for item in items]
    columns = integer(_label(name, "columns"), raw[1], 1, MAX_KERNEL_SIDE)
    rows, rest = divmod(len(weights), columns)
    if rest or columns % 2 == 0 or rows % 2 == 0 or rows > MAX_KERNEL_SIDE:
        raise ArgumentError(
            f"Expected {name} matrix of odd rows and odd columns but received "
            f"{len(weights)} items in {columns} columns"
        )
    normalize = boolean(_label(name, "normalize"), raw[2]) if len(raw) > 2 else True
    return ";".join(format_number(weight) for weight in weights), float(columns), _flag(normalize)


def curve_points(name: str, raw: str) -> tuple[tuple[int, int], ...]:
    """`[(x,y),(x,y),...]` with 0..255 integers and x strictly increasing; linear time."""
    text = raw.replace(" ", "")
    if len(text) < 2 or text[0] != "[" or text[-1] != "]":
        raise ArgumentError(f"Expected {name} points as [(x,y),...] but received '{raw[:24]}'")
    body = text[1:-1]
    pieces = body.split(")", MAX_CURVE_POINTS + 1)
    if len(pieces) > MAX_CURVE_POINTS + 1:
        raise ArgumentError(f"Expected at most {MAX_CURVE_POINTS} points for {name}")
    points: list[tuple[int, int]] = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        item = piece.removeprefix(",") if index else piece
        if last and item == "":
            break
        pair = item.removeprefix("(").split(",")
        if not item.startswith("(") or last or len(pair) != 2:
            raise ArgumentError(f"Expected {name} points as [(x,y),...] but received '{raw[:24]}'")
        x = integer(_label(name, "x"), pair[0], 0, 255)
        y = integer(_label(name, "y"), pair[1], 0, 255)
        if points and x <= points[-1][0]:
            raise ArgumentError(f"Expected {name} x values strictly increasing")
        points.append((x, y))
    if len(points) < 2:
        raise ArgumentError(f"Expected at least 2 points for each {name} channel")
    return tuple(points)


def split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and parentheses (a curve's points contain commas)."""
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _curve(name: str, raw: Sequence[str]) -> Args:
    joined = ",".join(raw)
    if len(joined) > MAX_CURVE_CHARS:
        raise ArgumentError(f"Expected at most {MAX_CURVE_CHARS} characters for {name}")
    channels = split_top_level(joined)
    check_count(name, channels, 4, 4)
    return tuple(
        "[" + ",".join(f"({x},{y})" for x, y in curve_points(name, channel)) + "]"
        for channel in channels
    )


def _round_corner(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 5, 4)
    radii = raw[0].split("|")
    if len(radii) > 2:
        raise ArgumentError(f"Expected radius as a or a|b for {name} but received '{raw[0][:24]}'")
    a_radius = integer(_label(name, "radius"), radii[0], 0, MAX_RADIUS)
    b_radius = integer(_label(name, "radius"), radii[-1], 0, MAX_RADIUS)
    channels = ("red", "green", "blue")
    color = tuple(
        float(integer(_label(name, channel), value, 0, 255))
        for channel, value in zip(channels, raw[1:4], strict=True)
    )
    transparent = boolean(_label(name, "transparent"), raw[4]) if len(raw) > 4 else False
    return (f"{a_radius}|{b_radius}", *color, _flag(transparent))


def _fill_box(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 3, 2)
    width = integer(_label(name, "width"), raw[0], 1, MAX_FILL_SIDE)
    height = integer(_label(name, "height"), raw[1], 1, MAX_FILL_SIDE)
    merge = boolean(_label(name, "fill_transparent"), raw[2]) if len(raw) > 2 else False
    return float(width), float(height), _flag(merge)


def _frame(name: str, raw: Sequence[str]) -> Args:
    check_count(name, list(raw), 1, 1)
    url = raw[0].strip().strip("'")
    if not url or len(url) > MAX_URL_CHARS:
        raise ArgumentError(f"Expected frame image URL of 1..{MAX_URL_CHARS} characters for {name}")
    return (url,)


PARSERS: dict[str, Parser] = {
    "rgb": _rgb,
    "equalize": _equalize,
    "noise": _noise,
    "colorize": _colorize,
    "convolution": _convolution,
    "curve": _curve,
    "round_corner": _round_corner,
    "fill_blur": _fill_box,
    "fill_auto": _fill_box,
    "frame": _frame,
}
KNOWN: frozenset[str] = frozenset(PARSERS)


def parse_filter(name: str, raw_args: Sequence[str]) -> PixelFilter:
    """Validate one filter call; `ValueError` (an `ArgumentError`) with a public message."""
    parser = PARSERS.get(name)
    if parser is None:
        raise ArgumentError(f"Unknown pixel filter '{name[:32]}'")
    if name != "curve":
        for value in raw_args:
            if len(value) > MAX_ARGUMENT_CHARS:
                raise ArgumentError(
                    f"Expected at most {MAX_ARGUMENT_CHARS} characters per {name} argument"
                )
    return PixelFilter(name, parser(name, [value.strip() for value in raw_args]))


def format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def format_filter(pixel_filter: PixelFilter) -> str:
    """The canonical spelling `name(arg,arg)`; `parse_filter` of its arguments gives it back."""
    spelled = (format_number(arg) if isinstance(arg, float) else arg for arg in pixel_filter.args)
    return f"{pixel_filter.name}({','.join(spelled)})"
