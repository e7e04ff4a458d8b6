"""The playground form (JSON from the page) into an `ImageRequest`, checked like a URL.

Each form field becomes the URL option of the same meaning, and the server's own parser reads
them, so the page gets the very message the image route would give for a bad value. The source
is any URL the image route takes (`local:///`, `http(s)://`, `s3://`), a video's included when
IMGPROXY_ENABLE_VIDEO_THUMBNAILS is on (`video_second` picks its frame).
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from config.settings import Settings
from imgproxy.errors import InvalidOption, InvalidPath
from imgproxy.url.options import ImageRequest
from imgproxy.url.parser import PathParser
from imgproxy.url.source import PLAIN_MARKER

FIELDS: Mapping[str, str] = {
    "width": "w",
    "height": "h",
    "resizing_type": "rt",
    "gravity": "g",
    "enlarge": "el",
    "dpr": "dpr",
    "format": "f",
    "quality": "q",
    "blur": "bl",
    "sharpen": "sh",
    "draw_detections": "dd",
    "video_second": "vts",
}
FOCUS_FIELDS = ("focus_x", "focus_y")
"""With gravity `fp`, the focus point (0..1 of the width and the height): `g:fp:x:y`."""
KNOWN = (*FIELDS, *FOCUS_FIELDS)
MAX_SOURCE_LENGTH = 4096
PLACEHOLDER_SOURCE = "-"


def read_form(body: bytes, settings: Settings) -> ImageRequest:
    """`{"source": "...", "options": {"width": 300, ...}}`; empty or null fields are defaults."""
    try:
        form = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidPath("Expected a JSON object with source and options") from None
    if not isinstance(form, dict):
        raise InvalidPath("Expected a JSON object with source and options")
    source = form.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InvalidPath(f"Expected a source URL but received {source!r}")
    if len(source) > MAX_SOURCE_LENGTH:
        raise InvalidPath(f"Expected a source URL of at most {MAX_SOURCE_LENGTH} characters")
    fields = form.get("options", {})
    if not isinstance(fields, dict):
        raise InvalidPath(f"Expected an object for options but received {fields!r}")
    fields = dict(fields)
    segments = [focus_point(fields, settings)]
    segments += [segment(name, value, settings) for name, value in fields.items()]
    parser = PathParser(
        settings.arguments_separator,
        allowed_options=settings.allowed_processing_options,
    )
    path = "/".join([*filter(None, segments), PLAIN_MARKER, PLACEHOLDER_SOURCE])
    return ImageRequest(parser.parse(path).options, source.strip())


def focus_point(fields: dict[str, object], settings: Settings) -> str:
    """`gravity: fp` with `focus_x` and `focus_y` as one `g:fp:x:y` segment (taken out of
    `fields`); '' without it. The focus fields mean nothing with another gravity."""
    focus = {name: fields.pop(name) for name in FOCUS_FIELDS if name in fields}
    if fields.get("gravity") != "fp":
        if any(value not in (None, "") for value in focus.values()):
            gravity = fields.get("gravity")
            raise InvalidOption(
                f"Expected gravity fp with focus_x and focus_y but received gravity {gravity!r}"
            )
        return ""
    del fields["gravity"]
    separator = settings.arguments_separator
    values = [field_text(name, focus.get(name), settings) for name in FOCUS_FIELDS]
    return separator.join([FIELDS["gravity"], "fp", *values])


def segment(name: str, value: object, settings: Settings) -> str:
    """One `name:value` path segment, or '' for a field left at its default."""
    option = FIELDS.get(name)
    if option is None:
        raise InvalidOption(f"Unknown option: {name} (expected one of {', '.join(KNOWN)})")
    text = field_text(name, value, settings)
    return f"{option}{settings.arguments_separator}{text}" if text else ""


def field_text(name: str, value: object, settings: Settings) -> str:
    """A field's value as one path argument ('' for its default)."""
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int | float | str) or value is None:
        text = "" if value is None else str(value).strip()
    else:
        raise InvalidOption(f"Expected a number or a word for {name} but received {value!r}")
    if "/" in text or settings.arguments_separator in text:
        raise InvalidOption(f"Expected a single value for {name} but received {text!r}")
    return text
