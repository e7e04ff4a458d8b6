"""imgproxy Pro's `watermark_text`: Pango markup rendered by libvips as the watermark image,
black `sans 16` unless the markup says otherwise, and never larger than `MAX_TEXT_SIDE`."""

from __future__ import annotations

import pyvips

from imgproxy.errors import InvalidOption

DEFAULT_FONT = "sans 16"
NATURAL_DPI = 72
MAX_TEXT_SIDE = 2048
"""Lines wrap at this width; text taller than this is rendered smaller until it fits."""


def render_text(markup: str) -> pyvips.Image:
    """The text as sRGB with alpha: at its natural size when that fits `MAX_TEXT_SIDE` square,
    else at the largest resolution that does (however large the markup's fonts)."""
    try:
        fitted, found = pyvips.Image.text(
            markup,
            font=DEFAULT_FONT,
            rgba=True,
            width=MAX_TEXT_SIDE,
            height=MAX_TEXT_SIDE,
            autofit_dpi=True,
        )
        if found["autofit_dpi"] < NATURAL_DPI:
            return fitted.copy_memory()
        natural = pyvips.Image.text(
            markup, font=DEFAULT_FONT, rgba=True, width=MAX_TEXT_SIDE, dpi=NATURAL_DPI
        )
        return natural.copy_memory()
    except pyvips.Error:
        raise InvalidOption("Invalid Pango markup in watermark_text") from None
