"""JPEG pixels decoded by Pillow's libjpeg-turbo, handed to the header libvips read.

The pyvips wheel's libvips decodes JPEG with mozjpeg, whose decoder reads the entropy-coded
data markedly slower than libjpeg-turbo's; both scale in the DCT the same way and convert
colour with the same integer arithmetic, so the pixels are the same. That reading dominates
when a large source is shrunk on load by 4 or 8 (a 24 MP photo to a thumbnail: 12 % less CPU
per image in the server). On a source of a few megapixels it does not: Pillow's fixed costs
(its own parse of the markers, the decoder's set-up, the frame lent to libvips) outweigh the
faster reading, and the server spent 4 % more CPU per image on 3-5 MP photos at a shrink of
4. At a shrink of 2 or none it does not either: the whole decoded frame Pillow holds costs, in
memory traffic, what its decoder saves, where libvips streams a few rows at a time.

libvips still reads the header, so every field of metadata (EXIF, ICC, orientation,
resolution) is its own; only the pixels come from Pillow, lent without a copy. Whatever
Pillow cannot or should not decode (CMYK, 12-bit, a truncated or corrupt file, a large frame)
is left to libvips, which then decodes and reports it as it always has.
"""

from __future__ import annotations

import ctypes
import io

import pyvips
from PIL import Image, JpegImagePlugin

from transforms.decoders.pillow_failures import PILLOW_FAILURES

MIN_SHRINK = 4
"""The smallest shrink-on-load at which libjpeg-turbo decodes (see above)."""
MIN_SOURCE_PIXELS = 8_000_000
"""The smallest source libjpeg-turbo decodes: measured a loss at 2-5 MP, a gain at 20-24 MP."""
MAX_DECODED_PIXELS = 4_000_000
"""Pillow holds the whole decoded frame (four bytes a pixel for colour) where libvips streams
a baseline JPEG a few rows at a time: larger frames stay there."""
BANDS = {"L": 1, "RGB": 3}
STORED_BANDS = {"L": 1, "RGB": 4}
"""Pillow keeps colour as four bytes a pixel, the fourth unused."""


def decoded(
    data: bytes, header: pyvips.Image, shrink: int, *, min_source_pixels: int = MIN_SOURCE_PIXELS
) -> pyvips.Image | None:
    """The pixels of `header` (libvips' JPEG header of `data`, shrunk on load by `shrink`),
    decoded by libjpeg-turbo; None where libvips should decode them itself."""
    if shrink < MIN_SHRINK or header.format != "uchar":
        return None
    decoded_pixels = header.width * header.height
    if decoded_pixels > MAX_DECODED_PIXELS or decoded_pixels * shrink**2 < min_source_pixels:
        return None
    try:
        image = JpegImagePlugin.JpegImageFile(io.BytesIO(data))
        bands = BANDS.get(image.mode)
        if bands != header.bands or len(image.tile) != 1:
            return None
        image.draft(image.mode, (max(1, image.width // shrink), max(1, image.height // shrink)))
        if not _covers(image, header):
            return None
        image.decodermaxblock = len(data)  # one call into the decoder: one wait for the GIL
        image.load()
        pixels = _shared(image)
    except PILLOW_FAILURES:
        return None
    if pixels.bands != bands:
        pixels = pixels.extract_band(0, n=bands)
    return header.insert(pixels, 0, 0)


class _ArrowArray(ctypes.Structure):
    """`struct ArrowArray` of the Arrow C data interface, through which Pillow lends its pixels."""


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(_ArrowArray))),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]
_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _shared(image: Image.Image) -> pyvips.Image:
    """Pillow's own pixel memory as a libvips image, not a copy of it. The exported array keeps
    that memory alive until it is released: the view libvips reads holds the export, and pyvips
    holds the view as long as any image made from it."""
    _schema, export = image.__arrow_c_array__()
    array = _ArrowArray.from_address(_capsule_pointer(export, b"arrow_array"))
    if array.n_children:  # colour: a fixed-size list of the four bytes of each pixel
        array = array.children[0].contents
    stored = STORED_BANDS[image.mode]
    size = image.width * image.height * stored
    if array.offset or array.length != size:
        raise ValueError("an exported array that is not the whole frame")
    memory = (ctypes.c_ubyte * size).from_address(array.buffers[1])
    vars(memory)["export"] = export
    return pyvips.Image.new_from_memory(memory, image.width, image.height, stored, "uchar")


def _covers(image: JpegImagePlugin.JpegImageFile, header: pyvips.Image) -> bool:
    """libjpeg's scaled size rounds up where libvips' rounds down: at most one more row and
    column, which `insert` leaves outside the header's frame."""
    extra_columns = image.width - int(header.width)
    extra_rows = image.height - int(header.height)
    return 0 <= extra_columns <= 1 and 0 <= extra_rows <= 1
