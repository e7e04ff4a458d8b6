"""JPEG pixels decoded by Pillow's libjpeg-turbo, handed to the header libvips read.

The pyvips wheel's libvips decodes JPEG with mozjpeg, whose decoder is about a third slower
than libjpeg-turbo's for the same pixels (both scale in the DCT the same way and convert colour
with the same integer arithmetic). libvips still reads the header, so every field of metadata
(EXIF, ICC, orientation, resolution) is its own; only the pixels come from Pillow. Whatever
Pillow cannot or should not decode (CMYK, 12-bit, a truncated or corrupt file, a large frame)
is left to libvips, which then decodes and reports it as it always has.
"""

from __future__ import annotations

import io
import struct

import pyvips
from PIL import Image, JpegImagePlugin

MAX_DECODED_PIXELS = 4_000_000
"""Pillow holds the whole decoded frame (four bytes a pixel, then three in the bytes handed
over) where libvips streams a baseline JPEG a few rows at a time: larger frames stay there."""
BANDS = {"L": 1, "RGB": 3}
_FAILURES = (OSError, ValueError, SyntaxError, EOFError, struct.error, Image.DecompressionBombError)


def decoded(data: bytes, header: pyvips.Image, shrink: int) -> pyvips.Image | None:
    """The pixels of `header` (libvips' JPEG header of `data`, shrunk on load by `shrink`),
    decoded by libjpeg-turbo; None where libvips should decode them itself."""
    if header.width * header.height > MAX_DECODED_PIXELS or header.format != "uchar":
        return None
    try:
        image = JpegImagePlugin.JpegImageFile(io.BytesIO(data))
        bands = BANDS.get(image.mode)
        if bands != header.bands or len(image.tile) != 1:
            return None
        if shrink > 1:
            image.draft(image.mode, (image.width // shrink, image.height // shrink))
        if not _covers(image, header):
            return None
        pixels = image.tobytes()
    except _FAILURES:
        return None
    sub = pyvips.Image.new_from_memory(pixels, image.width, image.height, bands, "uchar")
    return header.insert(sub, 0, 0)


def _covers(image: JpegImagePlugin.JpegImageFile, header: pyvips.Image) -> bool:
    """libjpeg's scaled size rounds up where libvips' rounds down: at most one more row and
    column, which `insert` leaves outside the header's frame."""
    extra_columns = image.width - int(header.width)
    extra_rows = image.height - int(header.height)
    return 0 <= extra_columns <= 1 and 0 <= extra_rows <= 1
