"""trim: threshold, colour, equal_hor, equal_ver, then the geometry of what is left.

Semantics from imgproxy's vips/vips.c `vips_trim`: the colour is the top-left pixel's unless
given; alpha is flattened onto magenta first (so `FF00FF` trims transparency); equal sides cut
the smaller of the two margins from both; 16-bit images are compared as sRGB.
"""

from __future__ import annotations

import pytest

from tests.transforms import images as im

# White 200x100 with a black 50x40 box at (60, 20): margins left 60, right 90, top 20, bottom 40.
FRAMED = im.framed(200, 100, (60, 20, 50, 40))


@pytest.mark.parametrize(
    ("path", "size", "corners"),
    [
        ("t:10", (50, 40), ("black",) * 4),
        ("t:10:ffffff", (50, 40), ("black",) * 4),
        ("t:10:000000", (200, 100), ("white",) * 4),  # nothing black at the edges
        ("t:10::1", (80, 40), ("black", "white", "black", "white")),
        ("t:10::0:1", (50, 60), ("black", "black", "white", "white")),
        ("t:10::1:1", (80, 60), ("black", "white", "white", "white")),
        ("t:10/w:25", (25, 20), ("black",) * 4),  # geometry is planned after the trim
        ("t:10/pd:5", (60, 50), ("black",) * 4),
    ],
)
def test_trim_cuts_the_border(path, size, corners):
    image = im.decode(im.run(im.png(FRAMED), path))
    assert (image.width, image.height) == size
    assert im.corners(image, inset=0 if "pd" not in path else 6) == corners


def test_trim_uses_the_given_colour():
    framed = im.framed(200, 100, (60, 20, 50, 40), inner=im.RED, outer=im.BLUE)
    assert im.run(im.png(framed), "t:10:0000ff").width == 50
    assert im.run(im.png(framed), "t:10:00ff00").width == 200


def test_trim_threshold_decides_what_counts_as_background():
    # A light grey stripe (10 levels off white) down the right edge.
    striped = FRAMED.insert(im.solid(10, 100, (245, 245, 245)), 190, 0)
    loose = im.run(im.png(striped), "t:20")
    strict = im.run(im.png(striped), "t:5")
    assert (loose.width, loose.height) == (50, 40)
    assert (strict.width, strict.height) == (140, 100)


def test_trim_on_jpeg_source_tolerates_compression_noise():
    rendered = im.run(im.jpeg(FRAMED, quality=75), "t:30")
    assert (rendered.width, rendered.height) == (50, 40)


def test_trim_removes_a_transparent_border_by_the_top_left_pixel():
    clear = im.solid(100, 100, (255, 0, 0, 0)).insert(im.solid(30, 20, (0, 255, 0, 255)), 10, 10)
    image = im.decode(im.run(im.png(clear), "t:10"))
    assert (image.width, image.height) == (30, 20)
    assert im.named(image, 15, 10) == "green"


def test_trim_with_magenta_removes_transparency():
    # imgproxy flattens alpha onto FF00FF before looking for the border, and documents
    # `trim:%threshold:FF00FF` as the way to trim transparent backgrounds.
    clear = im.solid(100, 100, (0, 0, 0, 0)).insert(im.solid(30, 20, (0, 255, 0, 255)), 10, 10)
    rendered = im.run(im.png(clear), "t:10:ff00ff")
    assert (rendered.width, rendered.height) == (30, 20)


DEEP_FRAMED = im.encode(im.deep(im.framed(100, 60, (30, 20, 20, 10))), "png", bitdepth=16)


def test_trim_finds_the_border_of_16_bit_sources():
    rendered = im.run(DEEP_FRAMED, "t:10")
    assert (rendered.width, rendered.height) == (20, 10)


def test_trim_colour_applies_to_16_bit_sources():
    # The colour is given in 8-bit hex; imgproxy compares in sRGB whatever the depth.
    rendered = im.run(DEEP_FRAMED, "t:10:ffffff")
    assert (rendered.width, rendered.height) == (20, 10)


def test_trim_is_skipped_for_animations():
    frames = [im.framed(40, 30, (10, 10, 10, 10), inner=color) for color in (im.RED, im.BLUE)]
    stacked = im.animation(frames, delays=[100, 100], loop=0)
    rendered = im.run(im.encode(stacked, "gif"), "maf:10/t:10")
    assert (rendered.width, rendered.height) == (40, 30)
    animated = im.decode(rendered, all_pages=True)
    assert animated.get("n-pages") == 2
