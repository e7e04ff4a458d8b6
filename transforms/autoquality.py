"""imgproxy Pro's autoquality: the quality of a lossy result chosen per image, by its DSSIM to
the processed pixels (`dssim`; `ml` is `dssim` here, as Pro falls back to without a model) or
by its size in bytes (`size`). A bounded search: at most `MAX_ENCODES` encodes, from the middle
of the allowed qualities. The chosen quality is part of the cached result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyvips

from imgproxy.url.options import Autoquality, AutoqualityMethod, ImageFormat
from transforms.dssim import Reference

MAX_ENCODES = 4
SEARCHED_FORMATS = frozenset({ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF})
"""Lossy outputs libvips reads back here (HEIC it cannot)."""
Encoder = Callable[[int], bytes]


@dataclass(frozen=True)
class AutoqualityDefaults:
    """The server's `IMGPROXY_AUTOQUALITY_*` settings."""

    method: AutoqualityMethod = AutoqualityMethod.NONE
    target: float = 0.02
    min_quality: int = 70
    max_quality: int = 80
    format_min: Mapping[ImageFormat, int] = field(default_factory=lambda: {ImageFormat.AVIF: 60})
    format_max: Mapping[ImageFormat, int] = field(default_factory=lambda: {ImageFormat.AVIF: 65})
    allowed_error: float = 0.002
    max_pixels: int = 0
    """A larger result keeps its fixed quality; 0: no limit."""


@dataclass(frozen=True)
class QualitySearch:
    method: AutoqualityMethod
    target: float
    lowest: int
    highest: int
    allowed_error: float


def quality_search(
    asked: Autoquality,
    server: AutoqualityDefaults,
    output: ImageFormat,
    result_pixels: int,
    frames: int,
) -> QualitySearch | None:
    """The search a job makes, or None: autoquality off, a format it does not search, an
    animation, or a result over the resolution limit."""
    method = asked.method or server.method
    if method is AutoqualityMethod.NONE or output not in SEARCHED_FORMATS or frames > 1:
        return None
    if server.max_pixels and result_pixels > server.max_pixels:
        return None
    lowest = asked.min_quality or server.format_min.get(output, server.min_quality)
    highest = asked.max_quality or server.format_max.get(output, server.max_quality)
    return QualitySearch(
        AutoqualityMethod.DSSIM if method is AutoqualityMethod.ML else method,
        server.target if asked.target is None else asked.target,
        min(lowest, highest),
        max(lowest, highest),
        server.allowed_error if asked.allowed_error is None else asked.allowed_error,
    )


def searched(image: pyvips.Image, search: QualitySearch, encode: Encoder) -> tuple[int, bytes]:
    """The chosen quality and its bytes. `image` is in memory."""
    if search.method is AutoqualityMethod.SIZE:
        return _by_size(search, encode)
    return _by_dssim(image, search, encode)


def _by_dssim(image: pyvips.Image, search: QualitySearch, encode: Encoder) -> tuple[int, bytes]:
    """The lowest quality whose DSSIM is within the target (or within the allowed error of
    it), else the highest quality."""
    reference = Reference(image)
    low, high = search.lowest, search.highest
    best: tuple[int, bytes] | None = None
    for _ in range(MAX_ENCODES - 1):
        if low > high:
            break
        quality = (low + high) // 2
        data = encode(quality)
        found = reference.dssim(pyvips.Image.new_from_buffer(data, ""))
        if found <= search.target + search.allowed_error:
            best = (quality, data)
            if found >= search.target - search.allowed_error:
                break
            high = quality - 1
        else:
            low = quality + 1
    if best is not None:
        return best
    return search.highest, encode(search.highest)


def _by_size(search: QualitySearch, encode: Encoder) -> tuple[int, bytes]:
    """The highest quality whose bytes fit the target (tried first: often it fits), else the
    lowest quality."""
    highest = encode(search.highest)
    if len(highest) <= search.target:
        return search.highest, highest
    low, high = search.lowest, search.highest - 1
    best: tuple[int, bytes] | None = None
    for _ in range(MAX_ENCODES - 2):
        if low > high:
            break
        quality = (low + high + 1) // 2
        data = encode(quality)
        if len(data) <= search.target:
            best = (quality, data)
            low = quality + 1
        else:
            high = quality - 1
    if best is not None:
        return best
    return search.lowest, encode(search.lowest)
