"""Where the borders of one colour end: libvips' `find_trim`, made affordable on large images."""

from __future__ import annotations

from collections.abc import Iterable

import pyvips

Box = tuple[int, int, int, int]
"""left, top, width, height"""
WHOLE_SEARCH_PIXELS = 4_000_000
"""Up to this size `find_trim` runs on the whole image; above it, inward from the edges."""
STRIP = 64
NOTHING: Box = (0, 0, 0, 0)


def find_borders(probe: pyvips.Image, threshold: float, background: list[float]) -> Box:
    """`find_trim`'s box, without smoothing every pixel of a large image.

    `find_trim` takes a 3x3 median before comparing with the background, which costs seconds on
    tens of megapixels. A pixel can differ after the median only within one pixel of one that
    differs before it, so the cheap unsmoothed box (`line_art`) bounds the answer; the smoothed
    image, which libvips computes lazily, is then searched strip by strip inward from each side.
    """
    if probe.width * probe.height <= WHOLE_SEARCH_PIXELS:
        return _box(probe.find_trim(threshold=threshold, background=background))
    rough = _differing(probe, (0, 0, probe.width, probe.height), threshold, background)
    if rough is None:
        return NOTHING
    left, top = max(0, rough[0] - 1), max(0, rough[1] - 1)
    right = min(probe.width, rough[0] + rough[2] + 1)
    bottom = min(probe.height, rough[1] + rough[3] + 1)
    smoothed = probe.median(3)

    def first(regions: Iterable[Box]) -> Box | None:
        for region in regions:
            found = _differing(smoothed, region, threshold, background)
            if found is not None:
                return found
        return None

    height = bottom - top
    from_left = first((x, top, min(STRIP, right - x), height) for x in range(left, right, STRIP))
    from_right = first(
        (max(left, end - STRIP), top, end - max(left, end - STRIP), height)
        for end in range(right, left, -STRIP)
    )
    if from_left is None or from_right is None:
        return NOTHING
    left, right = from_left[0], from_right[0] + from_right[2]
    width = right - left
    from_top = first((left, y, width, min(STRIP, bottom - y)) for y in range(top, bottom, STRIP))
    from_bottom = first(
        (left, max(top, end - STRIP), width, end - max(top, end - STRIP))
        for end in range(bottom, top, -STRIP)
    )
    if from_top is None or from_bottom is None:
        return NOTHING
    return left, from_top[1], width, from_bottom[1] + from_bottom[3] - from_top[1]


def _differing(
    image: pyvips.Image, region: Box, threshold: float, background: list[float]
) -> Box | None:
    """The box of the pixels in `region` that differ from the background, unsmoothed."""
    x, y, width, height = region
    found = _box(
        image.crop(x, y, width, height).find_trim(
            threshold=threshold, background=background, line_art=True
        )
    )
    return (found[0] + x, found[1] + y, found[2], found[3]) if found[2] and found[3] else None


def _box(found: list[int]) -> Box:
    left, top, width, height = found
    return left, top, width, height
