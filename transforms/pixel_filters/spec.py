"""The value a parsed pixel filter becomes. Standard library only: `Options` holds these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PixelFilter:
    """One thumbor filter call, validated and bounded.

    `args` follow the thumbor argument order, each in one canonical spelling (numbers as floats,
    lists such as a convolution matrix or a curve as normalised strings), so equal requests
    compare and hash equal.
    """

    name: str
    args: tuple[float | str, ...]
