"""The libvips self-check behind /health."""

from __future__ import annotations

import pyvips


def libvips_works() -> bool:
    """Encode and decode one tiny image; False if libvips is broken."""
    try:
        pixel = pyvips.Image.black(2, 2).jpegsave_buffer()
        return bool(pyvips.Image.new_from_buffer(pixel, "").width == 2)
    except pyvips.Error:
        return False
