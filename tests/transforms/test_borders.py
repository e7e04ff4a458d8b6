"""The edge search finds the box libvips' whole-image `find_trim` finds, on large images too."""

from __future__ import annotations

import random

import pytest
import pyvips

from transforms.borders import WHOLE_SEARCH_PIXELS, find_borders

SIDE = 2100
assert SIDE * SIDE > WHOLE_SEARCH_PIXELS


def _framed(seed: int, speckles: int, box: tuple[int, int, int, int] | None) -> pyvips.Image:
    """A white canvas with an optional grey block and single-pixel speckles (which the median
    smoothing removes, so they must not widen the box)."""
    generator = random.Random(seed)
    pixels = bytearray(b"\xff" * SIDE * SIDE * 3)
    if box is not None:
        left, top, width, height = box
        for row in range(top, top + height):
            start = (row * SIDE + left) * 3
            pixels[start : start + width * 3] = bytes([90, 120, 60]) * width
    for _ in range(speckles):
        start = (generator.randrange(SIDE) * SIDE + generator.randrange(SIDE)) * 3
        pixels[start : start + 3] = bytes(3)
    return pyvips.Image.new_from_memory(bytes(pixels), SIDE, SIDE, 3, "uchar")


@pytest.mark.parametrize(
    ("seed", "speckles", "box"),
    [
        (1, 0, (300, 40, 1500, 2000)),
        (2, 40, (0, 0, 700, 900)),
        (3, 200, (1, 2097, 2098, 2)),
        (4, 30, (1020, 1020, 3, 3)),
        (5, 25, None),
        (6, 0, None),
        (7, 0, (2000, 5, 100, 64)),
    ],
)
def test_the_edge_search_matches_find_trim(
    seed: int, speckles: int, box: tuple[int, int, int, int] | None
) -> None:
    image = _framed(seed, speckles, box)
    whole = image.find_trim(threshold=10, background=[255, 255, 255])
    expected = tuple(whole) if whole[2] and whole[3] else (0, 0, 0, 0)
    assert find_borders(image, 10, [255.0, 255.0, 255.0]) == expected


def test_a_large_uniform_image_has_nothing_to_keep() -> None:
    image = pyvips.Image.black(SIDE, SIDE).cast("uchar")
    assert find_borders(image, 10, [0.0]) == (0, 0, 0, 0)
