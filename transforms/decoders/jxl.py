"""JPEG XL through libjxl (imagecodecs), on the calling thread, one frame.

The pyvips wheel has no libjxl. imagecodecs' decoder reads the whole image in one call, so the
size comes from our own header reader first (`jxl_header`) and the caller refuses what its pixel
limits refuse before a single pixel is decoded. An animation is read as its first frame.
"""

from __future__ import annotations

import imagecodecs
import numpy as np
import pyvips

from transforms.decoders import DecodeError
from transforms.decoders.jxl_header import INTERPRETATIONS, JxlHeader

DECODER_THREADS = 1
"""libjxl's own pool would take every core: the worker pool is the only parallelism."""


def decode(data: bytes, header: JxlHeader, *, max_pixels: int) -> pyvips.Image:
    """Upright pixels, 8 or 16 bits, tagged sRGB (or grey); max_pixels 0 means no limit."""
    if max_pixels and header.width * header.height > max_pixels:
        raise DecodeError("Source image resolution is too big")
    try:
        pixels = imagecodecs.jpegxl_decode(data, index=0, numthreads=DECODER_THREADS)
    except (imagecodecs.JpegxlError, ValueError, MemoryError) as error:
        raise DecodeError(f"Cannot decode JPEG XL: {error}") from error
    if pixels.dtype.kind == "f":  # HDR or float samples: 16-bit integers, clipped to [0, 1]
        unit = np.clip(pixels.astype(np.float32, copy=False), 0.0, 1.0)  # float16 tops at 65504
        pixels = (unit * 65535 + 0.5).astype(np.uint16)
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    height, width, bands = pixels.shape
    if (width, height) != (header.width, header.height):
        raise DecodeError("Decoded JPEG XL size differs from its header")
    image = pyvips.Image.new_from_array(np.ascontiguousarray(pixels))
    sample_format = "uchar" if pixels.dtype == np.uint8 else "ushort"
    return image.copy(interpretation=INTERPRETATIONS[sample_format, bands < 3])
