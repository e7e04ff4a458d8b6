"""equalize(): histogram equalisation of each colour channel on its own."""

from __future__ import annotations

from itertools import accumulate

import pyvips

from imgproxy.url.pixel_filters import PixelFilter
from transforms.pixel_filters.bands import join_alpha, lut, split_alpha


def _table(counts: list[int]) -> list[int]:
    """Map each level through its cumulative share above the darkest level present."""
    cumulative = list(accumulate(counts))
    area = cumulative[-1]
    lowest = next(total for total in cumulative if total)
    if area == lowest:
        return list(range(256))
    return [max(0, int((total - lowest) / (area - lowest) * 255)) for total in cumulative]


def _counts(histogram: pyvips.Image) -> list[int]:
    """256 bins; libvips may stop the histogram at the highest level present."""
    counts = [int(count) for count in histogram.tolist()[0]][:256]
    return counts + [0] * (256 - len(counts))


def apply(image: pyvips.Image, _filter: PixelFilter, _frame: bytes | None) -> pyvips.Image:
    color, alpha = split_alpha(image)
    per_band = [_counts(color.hist_find(band=band)) for band in range(color.bands)]
    return join_alpha(color.maplut(lut([_table(counts) for counts in per_band])), alpha)
