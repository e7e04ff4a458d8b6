"""imgproxy Pro's autoquality: the quality of a lossy result chosen per image, by its DSSIM to
the processed pixels (`dssim`; `ml` is `dssim` here, as Pro falls back to without a model) or
by its size in bytes (`size`). A bounded search: at most `MAX_ENCODES` encodes, from the middle
of the allowed qualities. The chosen quality is part of the cached result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pyvips

from imgproxy.url.options import Autoquality, AutoqualityMethod, ImageFormat

MAX_ENCODES = 4
STEP = 10
"""The second try's distance from the first, in quality."""
SEARCHED_FORMATS = frozenset(
    {ImageFormat.JPEG, ImageFormat.WEBP, ImageFormat.AVIF, ImageFormat.JXL}
)
"""Lossy outputs read back here: by libvips, JPEG XL by libjxl (HEIC not at all)."""
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


def searched(
    image: pyvips.Image, search: QualitySearch, encode: Encoder, guess: int
) -> tuple[int, bytes]:
    """The chosen quality and its bytes. `image` is in memory; `guess` is where the search
    starts (the format's fixed quality)."""
    if search.method is AutoqualityMethod.SIZE:
        return _by_size(search, encode)
    return _by_dssim(image, search, encode, guess)


def _next_quality(tried: dict[int, float], search: QualitySearch, last: int) -> int | None:
    """Where DSSIM should meet the target: stepped from the first guess, then interpolated
    between the two nearest tries on either side (or the last two); None when no untried
    quality is left there."""
    if len(tried) == 1:
        step = STEP if tried[last] > search.target else -STEP
        wanted = last + step
    else:
        above = [q for q, found in tried.items() if found > search.target]
        below = [q for q, found in tried.items() if found <= search.target]
        if above and below:
            first, second = max(above), min(below)
        else:
            first, second = sorted(tried, key=lambda q: abs(tried[q] - search.target))[:2]
        slope = (tried[second] - tried[first]) / (second - first)
        wanted = first + round((search.target - tried[first]) / slope) if slope else first
        if above and below:
            wanted = max(max(above) + 1, min(min(below) - 1, wanted))
    wanted = max(search.lowest, min(search.highest, wanted))
    return None if wanted in tried else wanted


def _by_dssim(
    image: pyvips.Image, search: QualitySearch, encode: Encoder, guess: int
) -> tuple[int, bytes]:
    """The lowest quality tried whose DSSIM is within the target (or the highest quality when
    none is), searched from `guess` in at most `MAX_ENCODES` encodes, stopping once a try is
    within the allowed error of the target."""
    from transforms.dssim import Reference  # noqa: PLC0415 - numpy only once a search runs

    reference = Reference(image)
    tried: dict[int, float] = {}
    encoded: dict[int, bytes] = {}
    quality: int | None = max(search.lowest, min(search.highest, guess))
    while quality is not None and len(tried) < MAX_ENCODES - 1:
        encoded[quality] = encode(quality)
        tried[quality] = reference.dssim(decoded(encoded[quality]))
        if abs(tried[quality] - search.target) <= search.allowed_error:
            break
        quality = _next_quality(tried, search, quality)
    good = [q for q, found in tried.items() if found <= search.target + search.allowed_error]
    if good:
        return min(good), encoded[min(good)]
    if search.highest in encoded:
        return search.highest, encoded[search.highest]
    return search.highest, encode(search.highest)


def decoded(data: bytes) -> pyvips.Image:
    """A candidate's pixels, whatever format it was encoded in."""
    from transforms.decoders import jxl, jxl_header  # noqa: PLC0415 - optional decoder

    if jxl_header.is_jxl(data):
        return jxl.decode(data, jxl_header.read_header(data), max_pixels=0)
    return pyvips.Image.new_from_buffer(data, "")


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
