"""Output formats as values: which ones this server writes, and which one a URL that names none
gets (IMGPROXY_PREFERRED_FORMATS). Standard library plus `imgproxy.url` only: settings import it."""

from __future__ import annotations

from collections.abc import Sequence

from imgproxy.url.options import ImageFormat

WRITABLE = frozenset(
    {
        ImageFormat.JPEG,
        ImageFormat.PNG,
        ImageFormat.WEBP,
        ImageFormat.AVIF,
        ImageFormat.GIF,
        ImageFormat.TIFF,
        ImageFormat.HEIC,
        ImageFormat.BMP,
        ImageFormat.ICO,
        ImageFormat.JXL,
    }
)

DEFAULT_PREFERRED_FORMATS: tuple[ImageFormat, ...] = (
    ImageFormat.JPEG,
    ImageFormat.PNG,
    ImageFormat.GIF,
    ImageFormat.WEBP,
    ImageFormat.AVIF,
    ImageFormat.TIFF,
)
"""Every writable format a browser shows, so such a source keeps its own; otherwise GIF for
animations, PNG for alpha, JPEG for the rest (HEIC, BMP, ICO and JPEG XL only when asked for,
JPEG XL also when negotiated).
imgproxy's default is `jpeg,png,gif`."""


def preferred_output(
    preferred: Sequence[ImageFormat], source: ImageFormat, *, has_alpha: bool, animated: bool
) -> ImageFormat:
    """The source's format when listed; else the first listed format that keeps the animation
    and the alpha; else the first listed."""
    if source in preferred:
        return source
    for candidate in preferred:
        if animated and not candidate.supports_animation:
            continue
        if has_alpha and not candidate.supports_alpha:
            continue
        return candidate
    return preferred[0]
