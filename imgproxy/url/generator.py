"""Options back into a path: the inverse of the parser (`parse(generate(x)) == x`)."""

from __future__ import annotations

import base64
from collections.abc import Callable

from imgproxy.url.options import (
    Color,
    Crop,
    Extend,
    Gravity,
    GravityType,
    ImageRequest,
    Options,
    Trim,
    Watermark,
)
from imgproxy.url.source import encode_base64, encode_plain

DEFAULTS = Options()
SAFE_FILENAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def flag(value: bool | None) -> str:
    return "1" if value else "0"


def color(value: Color | None) -> str:
    return value.hex if value else ""


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


def crop_args(crop: Crop) -> list[str]:
    tail = gravity_args(crop.gravity) if crop.gravity is not None else []
    return [number(crop.width), number(crop.height), *tail]


def trim_args(trim: Trim) -> list[str]:
    threshold = "" if trim.threshold is None else number(trim.threshold)
    return [threshold, color(trim.color), flag(trim.equal_horizontal), flag(trim.equal_vertical)]


def watermark_args(mark: Watermark) -> list[str]:
    head = [number(mark.opacity), mark.position.value, number(mark.x), number(mark.y)]
    return [*head, number(mark.scale)] if mark.scale else head


def filename_args(name: str) -> list[str]:
    if set(name) <= SAFE_FILENAME_CHARS:
        return [name]
    encoded = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii").rstrip("=")
    return [encoded, "1"]


Render = Callable[[Options], list[str]]
# (short name, the fields it writes, how), in one fixed order.
ENTRIES: tuple[tuple[str, tuple[str, ...], Render], ...] = (
    ("rt", ("resizing_type",), lambda o: [o.resizing_type.value]),
    ("ra", ("resizing_algorithm",), lambda o: [o.resizing_algorithm.value]),
    ("w", ("width",), lambda o: [str(o.width)]),
    ("h", ("height",), lambda o: [str(o.height)]),
    ("mw", ("min_width",), lambda o: [str(o.min_width)]),
    ("mh", ("min_height",), lambda o: [str(o.min_height)]),
    ("z", ("zoom_x", "zoom_y"), lambda o: [number(o.zoom_x), number(o.zoom_y)]),
    ("dpr", ("dpr",), lambda o: [number(o.dpr)]),
    ("el", ("enlarge",), lambda o: [flag(o.enlarge)]),
    ("ex", ("extend",), lambda o: extend_args(o.extend)),
    ("exar", ("extend_aspect_ratio",), lambda o: extend_args(o.extend_aspect_ratio)),
    ("g", ("gravity",), lambda o: gravity_args(o.gravity)),
    ("c", ("crop",), lambda o: crop_args(o.crop)),
    ("t", ("trim",), lambda o: trim_args(o.trim)),
    (
        "pd",
        ("padding",),
        lambda o: [
            str(side) for side in (o.padding.top, o.padding.right, o.padding.bottom, o.padding.left)
        ],
    ),
    ("ar", ("auto_rotate",), lambda o: [flag(o.auto_rotate)]),
    ("rot", ("rotate",), lambda o: [str(o.rotate)]),
    (
        "fl",
        ("flip_horizontal", "flip_vertical"),
        lambda o: [flag(o.flip_horizontal), flag(o.flip_vertical)],
    ),
    ("pg", ("page",), lambda o: [str(o.page)]),
    ("bg", ("background",), lambda o: [color(o.background)]),
    ("bga", ("background_alpha",), lambda o: [number(o.background_alpha)]),
    ("bl", ("blur",), lambda o: [number(o.blur)]),
    ("sh", ("sharpen",), lambda o: [number(o.sharpen)]),
    ("pix", ("pixelate",), lambda o: [str(o.pixelate)]),
    ("br", ("brightness",), lambda o: [str(o.brightness)]),
    ("contrast", ("contrast",), lambda o: [number(o.contrast)]),
    ("sa", ("saturation",), lambda o: [number(o.saturation)]),
    ("mc", ("monochrome",), lambda o: [number(o.monochrome.intensity), color(o.monochrome.color)]),
    ("wm", ("watermark",), lambda o: watermark_args(o.watermark)),
    ("q", ("quality",), lambda o: [str(o.quality)]),
    (
        "fq",
        ("format_quality",),
        lambda o: [part for fmt, q in o.format_quality for part in (fmt.value, str(q))] or [""],
    ),
    ("mb", ("max_bytes",), lambda o: [str(o.max_bytes)]),
    ("sm", ("strip_metadata",), lambda o: [flag(o.strip_metadata)]),
    ("kcr", ("keep_copyright",), lambda o: [flag(o.keep_copyright)]),
    ("scp", ("strip_color_profile",), lambda o: [flag(o.strip_color_profile)]),
    ("ph", ("preserve_hdr",), lambda o: [flag(o.preserve_hdr)]),
    ("eth", ("enforce_thumbnail",), lambda o: [flag(o.enforce_thumbnail)]),
    ("skp", ("skip_processing",), lambda o: [fmt.value for fmt in o.skip_processing] or [""]),
    ("raw", ("raw",), lambda o: [flag(o.raw)]),
    ("cb", ("cachebuster",), lambda o: [o.cachebuster]),
    ("exp", ("expires",), lambda o: [str(o.expires)]),
    ("fn", ("filename",), lambda o: filename_args(o.filename)),
    ("att", ("return_attachment",), lambda o: [flag(o.return_attachment)]),
    ("msr", ("limits.max_src_resolution",), lambda o: [number(o.limits.max_src_resolution or 0)]),
    ("msfs", ("limits.max_src_file_size",), lambda o: [str(o.limits.max_src_file_size)]),
    ("maf", ("limits.max_animation_frames",), lambda o: [str(o.limits.max_animation_frames)]),
    (
        "mafr",
        ("limits.max_animation_frame_resolution",),
        lambda o: [number(o.limits.max_animation_frame_resolution or 0)],
    ),
    ("mrd", ("limits.max_result_dimension",), lambda o: [str(o.limits.max_result_dimension)]),
    ("f", ("format",), lambda o: [o.format.value if o.format else ""]),
)


def _value(options: Options, path: str) -> object:
    value: object = options
    for part in path.split("."):
        value = getattr(value, part)
    return value


def generate_options(
    options: Options, separator: str = ":", *, full: bool = False, with_format: bool = True
) -> list[str]:
    """Option segments in one fixed order; only non-default ones unless `full`."""
    segments = []
    for short, fields, render in ENTRIES:
        if short == "f" and not with_format:
            continue
        values = [_value(options, path) for path in fields]
        if all(value is None for value in values):
            continue
        if not full and values == [_value(DEFAULTS, path) for path in fields]:
            continue
        rendered = render(options)
        if any("/" in part or separator in part for part in rendered):
            shown = values[0] if len(values) == 1 else tuple(values)
            raise ValueError(f"{fields[0]} value {shown!r} cannot be written in a path")
        segments.append(separator.join([short, *rendered]))
    return segments


def generate_path(request: ImageRequest, separator: str = ":", *, base64: bool = False) -> str:
    """A path without the signature, starting with '/': what gets signed."""
    options = request.options
    extension = options.format.extension if options.format and not options.raw else ""
    segments = generate_options(options, separator, with_format=bool(options.raw))
    source = (
        encode_base64(request.source, extension)
        if base64
        else encode_plain(request.source, extension)
    )
    return "/" + "/".join([*segments, source])
