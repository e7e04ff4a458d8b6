"""The requested output format: explicit in the URL, else chosen from `Accept` when allowed."""

from __future__ import annotations

from dataclasses import dataclass

from imgproxy.url.options import ImageFormat


@dataclass(frozen=True)
class FormatChoice:
    requested: ImageFormat | None
    """None keeps the source's format (settled after loading)."""
    varies: bool
    """The answer depends on `Accept`, so every response must say `Vary: Accept`."""


def choose_format(
    explicit: ImageFormat | None, accept: str, *, auto_webp: bool, auto_avif: bool
) -> FormatChoice:
    if explicit is not None:
        return FormatChoice(explicit, varies=False)
    if not (auto_webp or auto_avif):
        return FormatChoice(None, varies=False)
    if auto_avif and "image/avif" in accept:
        return FormatChoice(ImageFormat.AVIF, varies=True)
    if auto_webp and "image/webp" in accept:
        return FormatChoice(ImageFormat.WEBP, varies=True)
    return FormatChoice(None, varies=True)
