"""thumbor's pixel filters in libvips: parse and bound the arguments, then apply them in order.

Importing this package loads only the standard library; pyvips is loaded on the first
`apply_filters` call, so `Options` can hold `PixelFilter` values without the server's dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from transforms.pixel_filters.parsing import KNOWN, format_filter, parse_filter
from transforms.pixel_filters.spec import PixelFilter

if TYPE_CHECKING:
    import pyvips

__all__ = ["KNOWN", "PixelFilter", "apply_filters", "format_filter", "parse_filter"]


def apply_filters(
    image: pyvips.Image, filters: Sequence[PixelFilter], *, frame: bytes | None = None
) -> pyvips.Image:
    """Run `filters` in order on an 8-bit image; alpha, band count and interpretation are kept
    (except where a filter adds alpha: `round_corner` with transparency, `frame`)."""
    from transforms.pixel_filters.running import run  # noqa: PLC0415 (keeps pyvips out of imports)

    return run(image, filters, frame=frame)
