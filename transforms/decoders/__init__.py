"""Decoders for source formats the pyvips wheel cannot decode itself.

Only the error lives here, so catching it does not import Pillow; the decoders are in
`transforms.decoders.pillow_fallback`.
"""

from __future__ import annotations


class DecodeError(Exception):
    """A source image that cannot be read or must not be decoded; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
