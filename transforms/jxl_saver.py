"""JPEG XL output through libjxl (imagecodecs), on the calling thread. The image arrives sRGB
or grey, 8 or 16 bits, with or without alpha; no profile or metadata is written."""

from __future__ import annotations

import pyvips

ENCODER_THREADS = 1
LOSSLESS_QUALITY = 100


def jxl_bytes(image: pyvips.Image, quality: int, effort: int) -> bytes:
    """Lossy at `quality` (libjxl's mapping of a JPEG-like quality to a distance), lossless at
    100; `effort` 1..9, slower and smaller as it grows."""
    import imagecodecs  # noqa: PLC0415 - libjxl and numpy only for a JPEG XL result
    import numpy as np  # noqa: PLC0415

    if image.format not in ("uchar", "ushort"):
        image = image.cast("uchar")
    pixels = np.ascontiguousarray(image.numpy())
    return bytes(
        imagecodecs.jpegxl_encode(
            pixels,
            level=None if quality >= LOSSLESS_QUALITY else quality,
            lossless=quality >= LOSSLESS_QUALITY,
            effort=effort,
            numthreads=ENCODER_THREADS,
        )
    )
