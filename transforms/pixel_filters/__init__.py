"""thumbor's pixel filters in libvips, run in order; their grammar is `imgproxy.url.pixel_filters`.

Importing this package loads only the standard library; pyvips is loaded on the first
`apply_filters` call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from imgproxy.url.pixel_filters import PixelFilter

if TYPE_CHECKING:
    import pyvips

__all__ = ["apply_filters"]


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
