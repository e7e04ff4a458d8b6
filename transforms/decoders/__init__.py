"""Decoders outside libvips: for source formats the pyvips wheel cannot decode itself, and
libjpeg-turbo for the JPEGs it reads faster than the wheel's mozjpeg.

Only the error, the layout a decode gives and Pillow's warning filter live here, so catching
the error does not import Pillow; the decoders are in `transforms.decoders.pillow_fallback`,
`jxl` and `jpeg_turbo`.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple


def quiet_exif_warnings() -> None:
    """Opening an image, Pillow reads its EXIF and warns of every broken tag, so a source's
    bytes would write to the server's log; libvips reads that metadata itself."""
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.TiffImagePlugin")


quiet_exif_warnings()


class DecodeError(Exception):
    """A source image that cannot be read or must not be decoded; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Layout(NamedTuple):
    """What a decode gives besides its size, known from a header before decoding."""

    bands: int
    format: str
    """libvips' sample format: `uchar`, `ushort`."""
    interpretation: str
