"""JPEG pixels decoded by libjpeg-turbo (simplejpeg), with the metadata libvips read.

The pyvips wheel's libvips decodes JPEG with mozjpeg, whose decoder reads the entropy-coded
data markedly slower than libjpeg-turbo's; both scale in the DCT the same way and convert
colour with the same integer arithmetic (the accurate DCT, fancy upsampling), so the pixels
are the same. simplejpeg decodes the whole frame in one call with the GIL let go, straight
into three bytes a pixel (one for greyscale), at whatever shrink-on-load the plan asks for:
a render of a 1920x1080 photo at a shrink of 2 costs about 0.85 of libvips' own in process.

The frame is given every metadata field of the header libvips read from the same bytes
(EXIF, ICC, orientation, resolution, the loader's own fields), which a shrunk header shares
with the full-size one; libvips' JPEG header is not read a second time. A render that strips
metadata asks for the fields it strips to be left out: each copied field costs three calls
into libvips, ~0.1-0.6 ms a photo for fields removed again. Whatever libjpeg-turbo
cannot or should not decode (CMYK, more than 8 bits, a warning on a damaged file, a frame
larger than `MAX_DECODED_PIXELS`) is left to libvips, which then decodes and reports it as it
always has.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy
import pyvips
import simplejpeg

MAX_DECODED_PIXELS = 4_000_000
"""The decoder holds the whole frame where libvips streams a baseline JPEG a few rows at a
time: larger frames stay there."""
COLOURSPACES = {1: "GRAY", 3: "RGB"}
"""simplejpeg's output for libvips' bands; CMYK (four bands) is libvips' to invert."""
MIN_SIDE = 8
"""libjpeg takes the smallest of its scales (n/8) that gives at least the size asked for: with
a side of 8 pixels or more, each scale gives that side a different size, so asking for the
size 1/shrink gives is asking for that scale."""
HEADER_FIELDS = frozenset(pyvips.Image.black(1, 1).get_fields())
"""The fields every image has (size, bands, format, resolution...): not metadata."""


def decoded(
    data: bytes,
    header: pyvips.Image,
    shrink: int,
    skipped: Callable[[str], bool] | None = None,
) -> pyvips.Image | None:
    """The pixels libvips would decode from `data` shrunk on load by `shrink`, with the
    metadata of `header` (libvips' JPEG header of `data`, not shrunk) but the fields
    `skipped` names; None where libvips should decode them itself."""
    full_width, full_height = header.width, header.height
    if header.format != "uchar" or not takes(header.bands, full_width, full_height, shrink):
        return None
    colourspace = COLOURSPACES[header.bands]
    width, height = full_width // shrink, full_height // shrink
    # libjpeg rounds a scaled side up where libvips rounds it down
    scaled_width, scaled_height = math.ceil(full_width / shrink), math.ceil(full_height / shrink)
    try:
        frame = pixels(data, colourspace, scaled_width, scaled_height)
    except ValueError:  # simplejpeg's every refusal, warnings included (strict)
        return None
    if frame.shape[:2] != (scaled_height, scaled_width):
        return None
    image = pyvips.Image.new_from_memory(
        frame.data, frame.shape[1], frame.shape[0], header.bands, "uchar"
    )
    if (image.width, image.height) != (width, height):
        image = image.crop(0, 0, width, height)
    image = image.copy(interpretation=header.interpretation, xres=header.xres, yres=header.yres)
    _copy_metadata(header, image, skipped)
    return image


def takes(bands: int, full_width: int, full_height: int, shrink: int) -> bool:
    """Whether libjpeg-turbo decodes a JPEG of this many bands and this size at `shrink`, as
    far as its header tells (the decode itself may still refuse it)."""
    width, height = full_width // shrink, full_height // shrink
    return (
        bands in COLOURSPACES
        and max(full_width, full_height) >= MIN_SIDE
        and width > 0
        and height > 0
        and width * height <= MAX_DECODED_PIXELS
    )


def pixels(data: bytes, colourspace: str, width: int, height: int) -> numpy.ndarray:
    """libjpeg-turbo's decode at the smallest of its scales that is at least this size."""
    frame: numpy.ndarray = simplejpeg.decode_jpeg(
        data, colourspace, min_width=width, min_height=height, strict=True
    )
    return frame


def _copy_metadata(
    source: pyvips.Image, target: pyvips.Image, skipped: Callable[[str], bool] | None
) -> None:
    """Every metadata field of `source` but the `skipped` ones set on `target` (a new image no
    other holds), value by value in libvips' own types: no field passes through Python."""
    value = pyvips.ffi.new("GValue *")
    for name in source.get_fields():
        if name in HEADER_FIELDS or (skipped is not None and skipped(name)):
            continue
        key = name.encode()
        pyvips.vips_lib.vips_image_get(source.pointer, key, value)
        pyvips.vips_lib.vips_image_set(target.pointer, key, value)
        pyvips.gobject_lib.g_value_unset(value)
