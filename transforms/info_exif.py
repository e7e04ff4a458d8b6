"""The `exif` field of `/info`: the EXIF tags libvips read from the source, by name.

libvips sets one header field per tag, `exif-ifd{N}-{Name}`, holding
`raw (formatted, Type, count components, size bytes)`; the answer keeps libexif's formatted
value (the raw one where libexif has no words for it). Names are the canonical tag names
(`DateTimeOriginal`) when asked, otherwise those names split into words (`Date Time Original`).
The thumbnail's IFD (1) and binary blobs (maker notes) are left out.
"""

from __future__ import annotations

import re

import pyvips

FIELD = re.compile(r"exif-ifd(\d)-(.+)")
VALUE = re.compile(r"(.*?) \((.*), (\w+), \d+ components, \d+ bytes\)", re.DOTALL)
WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
THUMBNAIL_IFD = "1"
UNKNOWN_VALUE = "Internal error"
BINARY_VALUE = re.compile(r"\d+ bytes undefined data")


def exif_of(image: pyvips.Image, *, canonical_names: bool) -> dict[str, str]:
    """Every EXIF tag of the image's header, as text; first IFD wins for a repeated name."""
    found: dict[str, str] = {}
    for name in image.get_fields():
        match = FIELD.fullmatch(name)
        if match is None or match.group(1) == THUMBNAIL_IFD:
            continue
        value = tag_value(str(image.get(name)))
        if value is None:
            continue
        tag = match.group(2) if canonical_names else readable(match.group(2))
        found.setdefault(tag, value)
    return found


def tag_value(text: str) -> str | None:
    """The formatted value of one libvips EXIF field; None for binary data."""
    match = VALUE.fullmatch(text)
    if match is None:
        return text.strip()
    raw, formatted = match.group(1).strip(), match.group(2).strip()
    if BINARY_VALUE.fullmatch(formatted):
        return None
    return raw if formatted.startswith(UNKNOWN_VALUE) else formatted


def readable(tag: str) -> str:
    """`DateTimeOriginal` -> `Date Time Original`; `ISOSpeedRatings` -> `ISO Speed Ratings`."""
    return WORD_BREAK.sub(" ", tag)
