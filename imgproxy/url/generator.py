"""Options back into a path: the inverse of the parser (`parse(generate(x)) == x`)."""

from __future__ import annotations

from collections.abc import Callable

from imgproxy.url.options import Extend, Gravity, GravityType, ImageRequest, Options
from imgproxy.url.source import encode_base64, encode_plain

DEFAULTS = Options()


def number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def flag(value: bool) -> str:
    return "1" if value else "0"


def gravity_args(anchor: Gravity) -> list[str]:
    if anchor.type is GravityType.SMART:
        return [anchor.type.value]
    offsets = [anchor.x, anchor.y]
    if anchor.type is not GravityType.FOCUS_POINT and anchor.y == 0.0:
        offsets = [anchor.x] if anchor.x else []
    return [anchor.type.value, *map(number, offsets)]


def extend_args(extend: Extend) -> list[str]:
    tail = gravity_args(extend.gravity) if extend.gravity != Gravity() else []
    return [flag(extend.enabled), *tail]


FIELDS: tuple[tuple[str, str, Callable[[Options], list[str]]], ...] = (
    ("resizing_type", "rt", lambda o: [o.resizing_type.value]),
    ("width", "w", lambda o: [str(o.width)]),
    ("height", "h", lambda o: [str(o.height)]),
    ("dpr", "dpr", lambda o: [number(o.dpr)]),
    ("enlarge", "el", lambda o: [flag(o.enlarge)]),
    ("extend", "ex", lambda o: extend_args(o.extend)),
    ("gravity", "g", lambda o: gravity_args(o.gravity)),
    ("quality", "q", lambda o: [str(o.quality)]),
    ("auto_rotate", "ar", lambda o: [flag(bool(o.auto_rotate))]),
    ("strip_metadata", "sm", lambda o: [flag(bool(o.strip_metadata))]),
    ("cachebuster", "cb", lambda o: [o.cachebuster]),
    ("expires", "exp", lambda o: [str(o.expires)]),
    ("format", "f", lambda o: [o.format.value if o.format else ""]),
)


def generate_options(
    options: Options, separator: str = ":", *, full: bool = False, with_format: bool = True
) -> list[str]:
    """Option segments in one fixed order; only non-default ones unless `full`."""
    segments = []
    for attribute, short, render in FIELDS:
        value = getattr(options, attribute)
        if attribute == "format" and not with_format:
            continue
        if value is None or (not full and value == getattr(DEFAULTS, attribute)):
            continue
        rendered = render(options)
        if any("/" in part or separator in part for part in rendered):
            raise ValueError(f"{attribute} value {value!r} cannot be written in a path")
        segments.append(separator.join([short, *rendered]))
    return segments


def generate_path(request: ImageRequest, separator: str = ":", *, base64: bool = False) -> str:
    """A path without the signature, starting with '/': what gets signed."""
    options = request.options
    extension = options.format.extension if options.format else ""
    segments = generate_options(options, separator, with_format=False)
    source = (
        encode_base64(request.source, extension)
        if base64
        else encode_plain(request.source, extension)
    )
    return "/" + "/".join([*segments, source])
