"""JPEG answers written by libjpeg-turbo through imagecodecs, with the GIL let go.

Pillow's JPEG encoder writes the very bytes libvips' `jpegsave` writes
(`transforms.pillow_savers.jpeg_bytes`) but holds the GIL while it encodes, ~1.3 ms for a
512 px answer: in a process whose event loop and other processing threads share that GIL,
each answer stalls them all. imagecodecs calls the same libjpeg-turbo with the same settings
(quality, optimised Huffman tables, chroma subsampling) and lets the GIL go, so its bytes are
the same too once its JFIF segment, which libvips leaves out, is cut. It writes no ICC
profile: an answer that keeps one is written by Pillow.
"""

from __future__ import annotations

import re

import imagecodecs
import numpy
import pyvips

JFIF_SEGMENT = re.compile(rb"\A\xff\xd8\xff\xe0(..)JFIF\x00", re.DOTALL)
"""The start of the file and the JFIF segment libjpeg writes first, with the segment's length."""


def jpeg_bytes(image: pyvips.Image, quality: int, *, subsample: bool) -> bytes:
    """The bytes `jpegsave_buffer(Q=quality, keep="none", optimize_coding=True)` writes for
    an 8-bit, 3-band sRGB image. `subsample`: 4:2:0 chroma, else 4:4:4."""
    pixels = numpy.frombuffer(image.write_to_memory(), dtype=numpy.uint8)
    encoded = imagecodecs.jpeg8_encode(
        pixels.reshape(image.height, image.width, image.bands),
        level=quality,
        optimize=True,
        subsampling="420" if subsample else "444",
    )
    return without_jfif(encoded)


def without_jfif(data: bytes | bytearray | memoryview) -> bytes:
    """`data` without the JFIF segment libjpeg writes first and libvips leaves out."""
    jfif = JFIF_SEGMENT.match(data)
    if jfif is None:
        return bytes(data)
    return b"\xff\xd8" + data[4 + int.from_bytes(jfif.group(1), "big") :]
