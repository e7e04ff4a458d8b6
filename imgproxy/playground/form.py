"""The playground form (JSON from the page) into an `ImageRequest`, checked like a URL.

Each form field becomes the URL option of the same meaning, and the server's own parser reads
them, so the page gets the very message the image route would give for a bad value.
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
}
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
    segments = [segment(name, value, settings) for name, value in fields.items()]
    parser = PathParser(
        settings.arguments_separator,
        allowed_options=settings.allowed_processing_options,
    )
    path = "/".join([*filter(None, segments), PLAIN_MARKER, PLACEHOLDER_SOURCE])
    return ImageRequest(parser.parse(path).options, source.strip())


def segment(name: str, value: object, settings: Settings) -> str:
    """One `name:value` path segment, or '' for a field left at its default."""
    option = FIELDS.get(name)
    if option is None:
        raise InvalidOption(f"Unknown option: {name} (expected one of {', '.join(FIELDS)})")
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int | float | str) or value is None:
        text = "" if value is None else str(value).strip()
    else:
        raise InvalidOption(f"Expected a number or a word for {name} but received {value!r}")
    if not text:
        return ""
    if "/" in text or settings.arguments_separator in text:
        raise InvalidOption(f"Expected a single value for {name} but received {text!r}")
    return f"{option}{settings.arguments_separator}{text}"
