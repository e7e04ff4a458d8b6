"""thumbor's filters, each onto `Options` fields, a pixel filter, or the response.

Every stock thumbor 7.8 filter is here. A filter of any other name is skipped, as thumbor skips
it, and its name kept for the log and the counter; a known filter with bad arguments is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from imgproxy.errors import InvalidOption
from imgproxy.thumbor.calls import FilterCall
from imgproxy.thumbor.colors import parse_color
from imgproxy.thumbor.draft import Draft
from imgproxy.thumbor.image_url import source_url
from imgproxy.thumbor.watermark import watermark_options
from imgproxy.url.args import ArgumentError, boolean, check_count, expected, integer, number
from imgproxy.url.options import FORMAT_NAMES, Extend, ResizingType
from imgproxy.url.pixel_filters import KNOWN, parse_filter

Handler = Callable[[Draft, tuple[str, ...]], None]
THUMBOR_FORMATS = ("png", "jpeg", "jpg", "gif", "webp", "avif", "heic", "heif")
MAX_BLUR_RADIUS = 150
MAX_SATURATION = 100.0
"""thumbor takes any multiplier; past this one every colour is already at the edge of its gamut."""
MAX_URL_CHARS = 2048
FOCAL_PARTS = 4


def _none(name: str, args: tuple[str, ...]) -> None:
    if any(args):
        raise ArgumentError(f"Expected 0 arguments for {name} but received {len(args)}")


def _url(name: str, value: str) -> str:
    if not value or len(value) > MAX_URL_CHARS:
        raise expected(f"image URL of 1..{MAX_URL_CHARS} characters", name, value[:40])
    return source_url(unquote(value))


def quality(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("quality", list(args), 1)
    draft.set(quality=max(1, integer("quality", args[0], 0, 100)))


def output_format(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("format", list(args), 1)
    name = args[0].lower()
    if name not in THUMBOR_FORMATS:
        raise expected(f"one of {', '.join(THUMBOR_FORMATS)}", "format", args[0])
    draft.set(format=FORMAT_NAMES[name])


def blur(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("blur", list(args), 2)
    radius = integer("blur radius", args[0], 1, MAX_BLUR_RADIUS)
    sigma = number("blur sigma", args[1], high=MAX_BLUR_RADIUS) if len(args) > 1 else 0.0
    draft.set(blur=sigma or float(radius))


def sharpen(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("sharpen", list(args), 3, 3)
    amount = number("sharpen amount", args[0], high=10)
    radius = number("sharpen radius", args[1], high=50)
    if len(args) > 2:
        boolean("sharpen luminance_only", args[2])
    draft.set(sharpen=radius if amount > 0 else 0.0)


def brightness(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("brightness", list(args), 1)
    draft.set(brightness=round(255 * integer("brightness", args[0], -100, 100) / 100))


def contrast(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("contrast", list(args), 1)
    draft.set(contrast=((integer("contrast", args[0], -100, 100) + 100) / 100) ** 2)


def saturation(draft: Draft, args: tuple[str, ...]) -> None:
    """A multiplier of the colourfulness, as thumbor's; above MAX_SATURATION it is capped."""
    check_count("saturation", list(args), 1)
    try:
        factor = number("saturation", args[0])
    except ArgumentError:
        raise expected("finite number >= 0", "saturation", args[0]) from None
    draft.set(saturation=max(0.0, min(factor, MAX_SATURATION)))


def grayscale(draft: Draft, args: tuple[str, ...]) -> None:
    _none("grayscale", args)
    draft.set(saturation=0.0)


def rotate(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("rotate", list(args), 1)
    degrees = integer("rotate", args[0], -3600, 3600)
    if degrees % 90:
        raise expected("a multiple of 90", "rotate", args[0])
    draft.set(turn=(draft.options.turn + degrees // 90) % 4)


def strip_icc(draft: Draft, args: tuple[str, ...]) -> None:
    _none("strip_icc", args)
    draft.set(strip_color_profile=True)


def strip_exif(draft: Draft, args: tuple[str, ...]) -> None:
    """All of it, the copyright too, as thumbor does (IMGPROXY_KEEP_COPYRIGHT does not apply)."""
    _none("strip_exif", args)
    draft.set(strip_metadata=True, keep_copyright=False)


def no_upscale(draft: Draft, args: tuple[str, ...]) -> None:
    _none("no_upscale", args)
    draft.set(enlarge=False)


def upscale(draft: Draft, args: tuple[str, ...]) -> None:
    _none("upscale", args)
    draft.set(enlarge=True)


def stretch(draft: Draft, args: tuple[str, ...]) -> None:
    _none("stretch", args)
    draft.set(resizing_type=ResizingType.FORCE)


def proportion(draft: Draft, args: tuple[str, ...]) -> None:
    """Bounded to (0, 1] as thumbor 7.8 does (CVE-2026-53505); out of range is refused."""
    check_count("proportion", list(args), 1)
    factor = number("proportion", args[0], low=0, high=1, low_inclusive=False)
    draft.set(zoom_x=draft.options.zoom_x * factor, zoom_y=draft.options.zoom_y * factor)


def max_bytes(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("max_bytes", list(args), 1)
    draft.set(max_bytes=integer("max_bytes", args[0], 1, 2**31 - 1))


def max_age(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("max_age", list(args), 1)
    draft.max_age = integer("max_age", args[0], 0, 2**31 - 1)


def focal(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("focal", list(args), 1)
    corners = args[0].replace(":", "x").split("x")
    if len(corners) != FOCAL_PARTS:
        raise expected("LEFTxTOP:RIGHTxBOTTOM", "focal", args[0])
    left, top, right, bottom = (integer("focal", value) for value in corners)
    if right <= left or bottom <= top:
        raise expected("a region with RIGHT > LEFT and BOTTOM > TOP", "focal", args[0])
    draft.set_fit(focal=(left, top, right, bottom))


def extract_focal(draft: Draft, args: tuple[str, ...]) -> None:
    """Applied to the image part before the filters are read (see `mapping`)."""
    _none("extract_focal", args)


def background_color(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("background_color", list(args), 1)
    draft.set(background=parse_color("background_color", args[0]), background_alpha=1.0)


def fill(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("fill", list(args), 2)
    kind = args[0].lower()
    if kind in ("blur", "auto"):
        width, height = draft.box
        if not (width and height):
            raise ArgumentError(f"fill({kind}) needs both a width and a height")
        draft.pixel_filters.append(
            parse_filter(f"fill_{kind}", (str(width), str(height), *args[1:]))
        )
        return
    if len(args) > 1:
        boolean("fill fill_transparent", args[1])
    extend = Extend(True)
    if kind == "transparent":
        draft.set(extend=extend, background=None, background_alpha=0.0)
        return
    draft.set(extend=extend, background=parse_color("fill", args[0]), background_alpha=1.0)


def watermark(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("watermark", list(args), 6, 4)
    if "watermark" in draft.assets:
        raise ArgumentError("Expected at most one watermark filter")
    draft.assets["watermark"] = _url("watermark", args[0])
    draft.set(watermark=watermark_options(args[1:]))


def frame(draft: Draft, args: tuple[str, ...]) -> None:
    check_count("frame", list(args), 1)
    if "frame" in draft.assets:
        raise ArgumentError("Expected at most one frame filter")
    url = _url("frame", args[0])
    draft.assets["frame"] = url
    draft.pixel_filters.append(parse_filter("frame", (url,)))


def pixel(name: str) -> Handler:
    def handler(draft: Draft, args: tuple[str, ...]) -> None:
        draft.pixel_filters.append(parse_filter(name, args))

    return handler


HANDLERS: dict[str, Handler] = {
    "quality": quality,
    "format": output_format,
    "blur": blur,
    "sharpen": sharpen,
    "brightness": brightness,
    "contrast": contrast,
    "saturation": saturation,
    "grayscale": grayscale,
    "rotate": rotate,
    "strip_icc": strip_icc,
    "strip_exif": strip_exif,
    "no_upscale": no_upscale,
    "upscale": upscale,
    "stretch": stretch,
    "proportion": proportion,
    "max_bytes": max_bytes,
    "max_age": max_age,
    "focal": focal,
    "extract_focal": extract_focal,
    "background_color": background_color,
    "fill": fill,
    "watermark": watermark,
    "frame": frame,
    **{
        name: pixel(name)
        for name in ("rgb", "equalize", "noise", "colorize", "convolution", "curve", "round_corner")
        if name in KNOWN
    },
}


def read_filters(draft: Draft, calls: tuple[FilterCall, ...]) -> None:
    for call in calls:
        handler = HANDLERS.get(call.name)
        if handler is None:
            draft.ignored_filters.append(call.name)
            continue
        try:
            handler(draft, call.args)
        except ValueError as error:  # ArgumentError, and parse_filter's ValueError
            raise InvalidOption(str(error)) from None
