"""imgproxy Pro's `watermark_text`: Pango markup rendered by libvips as the watermark image,
black `sans 16` unless the markup says otherwise, and never larger than `MAX_TEXT_SIDE`.

Fitting text into a box (libvips' `autofit_dpi`) searches over resolutions and costs 50-80 ms;
drawing at the natural resolution costs half a millisecond. Markup that cannot change the text's
size, on few lines, is drawn at once; other markup is fitted. Renders are kept by markup, since
a site tends to write the same text on many images.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import pyvips

from imgproxy.errors import InvalidOption

DEFAULT_FONT = "sans 16"
NATURAL_DPI = 72
MAX_TEXT_SIDE = 2048
"""Lines wrap at this width; text taller than this is rendered smaller until it fits."""
SIZING_MARKUP = re.compile(r"size|font|big|scale|height|rise|spacing|<tt", re.IGNORECASE)
"""Words of the markup that could make text larger than `sans 16`."""
MAX_PLAIN_LINES = 64
"""With its wrapped lines too (2,048 characters wrap at most 20 times), 64 lines of `sans 16`
stay under `MAX_TEXT_SIDE`."""
CACHE_BYTES = 16 * 1024 * 1024


class _Renders:
    """Rendered text by markup, least recently used first out, within `CACHE_BYTES`."""

    def __init__(self) -> None:
        self.images: OrderedDict[str, pyvips.Image] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, markup: str) -> pyvips.Image | None:
        with self.lock:
            image = self.images.get(markup)
            if image is not None:
                self.images.move_to_end(markup)
            return image

    def put(self, markup: str, image: pyvips.Image) -> None:
        size = image.width * image.height * image.bands
        if size > CACHE_BYTES:
            return
        with self.lock:
            if markup in self.images:
                return
            self.images[markup] = image
            self.bytes += size
            while self.bytes > CACHE_BYTES:
                _, dropped = self.images.popitem(last=False)
                self.bytes -= dropped.width * dropped.height * dropped.bands


RENDERS = _Renders()


def _plainly_sized(markup: str) -> bool:
    return not SIZING_MARKUP.search(markup) and markup.count("\n") < MAX_PLAIN_LINES


def _draw(markup: str) -> pyvips.Image:
    if _plainly_sized(markup):
        return pyvips.Image.text(
            markup, font=DEFAULT_FONT, rgba=True, width=MAX_TEXT_SIDE, dpi=NATURAL_DPI
        )
    fitted, found = pyvips.Image.text(
        markup,
        font=DEFAULT_FONT,
        rgba=True,
        width=MAX_TEXT_SIDE,
        height=MAX_TEXT_SIDE,
        autofit_dpi=True,
    )
    if found["autofit_dpi"] < NATURAL_DPI:
        return fitted
    return pyvips.Image.text(
        markup, font=DEFAULT_FONT, rgba=True, width=MAX_TEXT_SIDE, dpi=NATURAL_DPI
    )


def render_text(markup: str) -> pyvips.Image:
    """The text as sRGB with alpha: at its natural size when that fits `MAX_TEXT_SIDE` square,
    else at the largest resolution that does (however large the markup's fonts)."""
    image = RENDERS.get(markup)
    if image is not None:
        return image
    try:
        drawn = _draw(markup)
        image = drawn.crop(
            0, 0, min(drawn.width, MAX_TEXT_SIDE), min(drawn.height, MAX_TEXT_SIDE)
        ).copy_memory()
    except pyvips.Error:
        raise InvalidOption("Invalid Pango markup in watermark_text") from None
    RENDERS.put(markup, image)
    return image
