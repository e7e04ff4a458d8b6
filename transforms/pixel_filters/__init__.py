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
    """Run `filters` in order on one frame; the result is 8-bit sRGB or b-w.

    Input that is not 8-bit sRGB or b-w (16-bit, CMYK) is converted first. Alpha passes through
    untouched; `round_corner` with transparency adds it. Filters that paint per channel (rgb,
    colorize, curve, round_corner with a colour, frame) turn grey into sRGB; the others keep the
    band count. `frame` needs the nine-patch image's bytes in `frame`.
    """
    from transforms.pixel_filters.running import run  # noqa: PLC0415 (keeps pyvips out of imports)

    return run(image, filters, frame=frame)
