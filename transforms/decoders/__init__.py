"""Decoders outside libvips: for source formats the pyvips wheel cannot decode itself, and
libjpeg-turbo for the JPEGs it reads faster than the wheel's mozjpeg.

Only the error lives here, so catching it does not import Pillow; the decoders are in
`transforms.decoders.pillow_fallback`, `jxl` and `jpeg_turbo`.
"""

from __future__ import annotations


class DecodeError(Exception):
    """A source image that cannot be read or must not be decoded; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
