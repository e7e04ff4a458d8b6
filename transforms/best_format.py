"""imgproxy Pro's `format:best`: the result encoded in every candidate format, the smallest
answered. The candidates are JPEG, PNG and GIF where preferred, plus AVIF, WebP and JPEG XL
where the client accepts them and the server's detection (auto or enforce) allows; those that
would lose the alpha or the animation are left out. A low-complexity image (few distinct tones:
a chart, a logo, a screenshot) is encoded losslessly where the format can, as Pro does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyvips

from imgproxy.url.options import ImageFormat

LOSSLESS_CAPABLE = frozenset({ImageFormat.WEBP, ImageFormat.PNG, ImageFormat.JXL})
LOSSY = frozenset({ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.JXL})
CLASSIC = frozenset({ImageFormat.JPEG, ImageFormat.PNG, ImageFormat.GIF})
"""The preferred formats `best` tries whatever the client says: every browser shows them."""
PREFERRED_WHEN_LARGE = (ImageFormat.AVIF, ImageFormat.WEBP)
"""What a result over the resolution limit gets without trying the others, when a candidate."""
Encoder = Callable[[ImageFormat, bool], bytes]
"""(format, lossless) -> bytes."""


@dataclass(frozen=True)
class BestFormatDefaults:
    """The server's `IMGPROXY_BEST_FORMAT_*` settings."""

    complexity_threshold: float = 5.5
    max_pixels: int = 0
    """A larger result is not tried in every candidate; 0: no limit."""
    by_default: bool = False
    allow_skips: bool = False


def candidates(
    preferred: Sequence[ImageFormat],
    accepted: Sequence[ImageFormat],
    *,
    has_alpha: bool,
    animated: bool,
) -> list[ImageFormat]:
    """The formats to try, in order: the accepted modern ones, then JPEG, PNG and GIF where
    preferred (a modern format only when the client accepts it)."""
    pool = dict.fromkeys([*accepted, *(f for f in preferred if f in CLASSIC)])
    return [
        image_format
        for image_format in pool
        if (not has_alpha or image_format.supports_alpha)
        and (not animated or image_format.supports_animation)
    ]


def complexity(image: pyvips.Image) -> float:
    """The entropy of the image's lightness histogram, in bits (0 for one tone, 8 at most)."""
    grey = image.extract_band(0) if image.bands < 3 else image.colourspace("b-w").extract_band(0)
    return float(grey.cast("uchar").hist_find().hist_entropy())


def pick(
    image: pyvips.Image,
    formats: Sequence[ImageFormat],
    settings: BestFormatDefaults,
    encode: Encoder,
) -> tuple[ImageFormat, bytes]:
    """The smallest encoding among `formats` (or, over the resolution limit, the first of
    AVIF, WebP and the first candidate)."""
    if settings.max_pixels and image.width * image.height > settings.max_pixels:
        chosen = next((f for f in PREFERRED_WHEN_LARGE if f in formats), formats[0])
        return chosen, encode(chosen, False)
    simple = complexity(image) < settings.complexity_threshold
    if not simple:  # a photo: PNG and GIF never win, and GIF's quantization is slow
        formats = [f for f in formats if f in LOSSY] or formats
    encoded = [
        (image_format, encode(image_format, simple and image_format in LOSSLESS_CAPABLE))
        for image_format in formats
    ]
    return min(encoded, key=lambda pair: len(pair[1]))
