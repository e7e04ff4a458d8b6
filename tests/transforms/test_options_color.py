"""Colour and filter options: background, background_alpha, blur, sharpen, pixelate,
brightness, contrast, saturation, monochrome.

Semantics: imgproxy flattens alpha onto the background when the output has no alpha or a
background is given (processing/flatten.go); blur and sharpen run premultiplied when there is
alpha; pixelate extends the image by mirroring to whole blocks (vips/vips.c
`vips_apply_filters`). An option does the same to a 16-bit source as to its 8-bit twin.
"""

from __future__ import annotations

import pytest

from tests.transforms import images as im

QUAD = im.png(im.quadrants())
# Opaque left half, transparent right half (the right half's colour is green/white).
HALF_CLEAR = im.png(im.with_transparent_right(im.quadrants()))


def test_alpha_is_kept_without_a_background():
    image = im.decode(im.run(HALF_CLEAR, ""))
    assert image.bands == 4
    assert im.alpha(image, 150, 20) == 0
    assert im.alpha(image, 20, 20) == 255


@pytest.mark.parametrize(
    ("path", "extension", "fill"),
    [
        ("bg:00ff00", "", im.GREEN),
        ("bg:10:20:30", "jpg", (10, 20, 30)),
        ("", "jpg", im.WHITE),  # JPEG has no alpha: flattened onto white
        ("bg:ff0000", "webp", im.RED),
    ],
)
def test_background_flattens_alpha(path, extension, fill):
    image = im.decode(im.run(HALF_CLEAR, path, extension=extension))
    assert (image.width, image.height, image.bands) == (200, 100, 3)
    assert im.close(im.rgb(image, 150, 20), fill, tolerance=6)
    assert im.named(image, 20, 20) == "red"
    assert im.named(image, 20, 80) == "blue"


def test_empty_background_disables_it():
    image = im.decode(im.run(HALF_CLEAR, "bg:00ff00/bg:"))
    assert image.bands == 4
    assert im.alpha(image, 150, 20) == 0


def test_background_flattens_16_bit_images_at_16_bits():
    deep = im.encode(im.deep(im.with_transparent_right(im.quadrants())), "png", bitdepth=16)
    image = im.decode(im.run(deep, "ph:1/bg:00ff00"))
    assert (image.format, image.bands) == ("ushort", 3)
    assert im.pixel(image, 150, 20) == (0, 65535, 0)
    assert im.pixel(image, 20, 20) == (65535, 0, 0)


@pytest.mark.parametrize("extension", ["", "webp"])
def test_background_alpha_makes_the_background_translucent(extension):
    image = im.decode(im.run(HALF_CLEAR, "bg:00ff00/bga:0.5", extension=extension))
    assert image.bands == 4
    assert im.close(im.rgb(image, 150, 20), im.GREEN, tolerance=4)
    assert abs(im.alpha(image, 150, 20) - 128) <= 2
    assert im.alpha(image, 20, 20) == 255


def test_background_alpha_fills_padding_and_is_ignored_by_jpeg():
    clear = im.decode(im.run(QUAD, "pd:10/bg:0000ff/bga:0"))
    assert im.alpha(clear, 2, 2) == 0
    half = im.decode(im.run(QUAD, "pd:10/bg:0000ff/bga:0.5"))
    assert abs(im.alpha(half, 2, 2) - 128) <= 2
    opaque = im.decode(im.run(HALF_CLEAR, "bg:00ff00/bga:0.5", extension="jpg"))
    assert opaque.bands == 3
    assert im.close(im.rgb(opaque, 150, 20), im.GREEN, tolerance=6)


BOARD = im.png(im.checkerboard(64, 64, 8))


def test_blur_softens_more_with_a_larger_sigma():
    source = im.decode(BOARD)
    light, heavy = (im.decode(im.run(BOARD, path)) for path in ("bl:1", "bl:4"))
    assert (heavy.width, heavy.height) == (64, 64)
    assert source.deviate() > light.deviate() > heavy.deviate()
    assert abs(heavy.avg() - source.avg()) < 2


def test_blur_of_transparent_edges_does_not_darken_them():
    # White opaque beside transparent black: premultiplied, the edge stays white and fades out.
    edge = im.solid(20, 20, (255, 255, 255, 255)).join(im.solid(20, 20, (0, 0, 0, 0)), "horizontal")
    image = im.decode(im.run(im.png(edge), "bl:3"))
    for x in (17, 19, 20, 22):
        assert 0 < im.alpha(image, x, 10) < 255
        assert min(im.rgb(image, x, 10)) >= 245, x


def test_sharpen_steepens_a_soft_edge():
    soft = im.solid(32, 32, im.BLACK).join(im.solid(32, 32, im.WHITE), "horizontal")
    soft = soft.gaussblur(3).cast("uchar").copy(interpretation="srgb")
    source = im.decode(im.png(soft))
    image = im.decode(im.run(im.png(soft), "sh:3"))
    assert (image.width, image.height) == (64, 32)
    assert im.rgb(image, 30, 16)[0] < im.rgb(source, 30, 16)[0] - 10
    assert im.rgb(image, 34, 16)[0] > im.rgb(source, 34, 16)[0] + 10


def test_pixelate_averages_blocks():
    image = im.decode(im.run(BOARD, "pix:16"))
    assert (image.width, image.height) == (64, 64)
    assert image.deviate() < 1
    assert abs(image.avg() - 127.5) < 1
    same = im.decode(im.run(QUAD, "pix:10"))
    assert im.corners(same) == ("red", "green", "blue", "white")


def test_pixelate_gives_the_last_partial_block_its_own_colour():
    # 50 px wide, 16 px blocks: columns 48..49 (red) form a block of their own, mirrored to 16.
    striped = im.solid(50, 20, im.WHITE).insert(im.solid(2, 20, im.RED), 48, 0)
    image = im.decode(im.run(im.png(striped), "pix:16"))
    assert im.rgb(image, 40, 5) == im.WHITE
    assert im.close(im.rgb(image, 49, 5), (255, 191, 191))


@pytest.mark.parametrize(
    ("path", "top_left", "bottom_right"),
    [
        ("br:50", (255, 50, 50), (255, 255, 255)),
        ("br:-50", (205, 0, 0), (205, 205, 205)),
        ("contrast:0.5", (191, 64, 64), (191, 191, 191)),
        ("contrast:2", (255, 0, 0), (255, 255, 255)),
    ],
)
def test_brightness_and_contrast(path, top_left, bottom_right):
    image = im.decode(im.run(QUAD, path))
    assert (image.width, image.height) == (200, 100)
    assert im.close(im.rgb(image, 20, 20), top_left, tolerance=2)
    assert im.close(im.rgb(image, 180, 80), bottom_right, tolerance=2)


def test_saturation():
    grey = im.decode(im.run(QUAD, "sa:0"))
    for x, y in ((20, 20), (180, 20), (20, 80)):
        red, green, blue = im.rgb(grey, x, y)
        assert max(red, green, blue) - min(red, green, blue) <= 2
    muted = im.rgb(im.decode(im.run(QUAD, "sa:0.5")), 20, 20)
    assert muted[0] > muted[1] + 80 and muted[1] > 40
    dull = im.solid(40, 40, (150, 110, 100))
    vivid = im.rgb(im.decode(im.run(im.png(dull), "sa:2")), 20, 20)
    assert vivid[0] - vivid[2] > 50 + 20


def test_monochrome():
    plain = im.decode(im.run(QUAD, "mc:1"))
    for x, y in ((20, 20), (180, 20), (20, 80)):
        red, green, blue = im.rgb(plain, x, y)
        assert max(red, green, blue) - min(red, green, blue) <= 2
    assert im.close(im.rgb(plain, 180, 80), (0xB3, 0xB3, 0xB3), tolerance=2)  # white -> tint
    tinted = im.decode(im.run(QUAD, "mc:1:ff0000"))
    assert im.close(im.rgb(tinted, 180, 80), im.RED, tolerance=2)
    assert im.rgb(tinted, 180, 20)[1:] == (0, 0)
    partial = im.rgb(im.decode(im.run(QUAD, "mc:0.5")), 20, 20)
    assert partial[0] > partial[1] + 60 and partial[1] > 20


GREY8 = im.solid(40, 40, (100, 100, 100))
GREY16 = im.encode(im.deep(GREY8), "png", bitdepth=16)
COLOUR16 = im.encode(im.deep(im.quadrants()), "png", bitdepth=16)


@pytest.mark.parametrize("path", ["br:50", "br:-40", "contrast:2", "contrast:0.5", "mc:1"])
@pytest.mark.parametrize("hdr", [False, True])
def test_adjustments_treat_16_bit_sources_like_8_bit_ones(path, hdr):
    want = im.rgb(im.decode(im.run(im.png(GREY8), path)), 20, 20)
    image = im.decode(im.run(GREY16, f"{path}/ph:1" if hdr else path))
    assert image.format == ("ushort" if hdr else "uchar")
    got = im.rgb(image, 20, 20)
    scaled = tuple(round(value / 257) for value in got) if hdr else got
    assert im.close(scaled, want, tolerance=3), (got, want)


@pytest.mark.parametrize("path", ["sa:0.5", "sa:0"])
def test_saturation_of_16_bit_sources_kept_at_16_bits(path):
    want = im.rgb(im.decode(im.run(QUAD, path)), 20, 20)
    image = im.decode(im.run(COLOUR16, f"{path}/ph:1"))
    assert image.format == "ushort"
    scaled = tuple(round(value / 257) for value in im.rgb(image, 20, 20))
    assert im.close(scaled, want, tolerance=3), (scaled, want)


def test_a_sharpen_past_libvips_ceiling_sharpens_as_hard_as_the_ceiling():
    soft = im.solid(32, 32, im.BLACK).join(im.solid(32, 32, im.WHITE), "horizontal")
    soft = soft.gaussblur(3).cast("uchar").copy(interpretation="srgb")
    strongest = im.decode(im.run(im.png(soft), "sh:10"))
    beyond = im.decode(im.run(im.png(soft), "sh:500"))
    gentle = im.decode(im.run(im.png(soft), "sh:0.5"))
    assert (beyond - strongest).abs().max() == 0
    assert (beyond - gentle).abs().max() > 0
