"""round_corner: painted or transparent corners, elliptical radii, untouched middle."""

from __future__ import annotations

from tests.transforms.pixel_filters.pictures import (
    filtered,
    photo,
    pixel,
    rgba_photo,
    same_pixels,
    solid,
)

BLUE = (0, 0, 255)


def test_corners_take_the_colour_and_the_middle_and_edges_stay():
    out = filtered(solid(200, 100, BLUE), "round_corner", "20", "255", "128", "0")
    for x, y in ((0, 0), (199, 0), (0, 99), (199, 99), (3, 3)):
        assert pixel(out, x, y) == (255, 128, 0), (x, y)
    for x, y in ((100, 50), (100, 0), (0, 50), (25, 0), (0, 25), (14, 14)):
        assert pixel(out, x, y) == BLUE, (x, y)
    assert (out.bands, out.interpretation) == (3, "srgb")


def test_the_curve_is_anti_aliased():
    out = filtered(solid(100, 100, (0, 0, 0)), "round_corner", "40", "255", "255", "255")
    row = [pixel(out, x, 5)[0] for x in range(40)]
    assert row[0] == 255 and row[-1] == 0
    assert any(0 < value < 255 for value in row)
    assert row == sorted(row, reverse=True)


def test_a_and_b_radii_are_across_and_down():
    wide = filtered(solid(200, 100, BLUE), "round_corner", "40|10", "255", "255", "255")
    assert pixel(wide, 10, 2) == (255, 255, 255)
    assert pixel(wide, 2, 12) == BLUE
    round_ = filtered(solid(200, 100, BLUE), "round_corner", "10", "255", "255", "255")
    assert pixel(round_, 10, 2) == BLUE


def test_transparent_corners_add_alpha_and_keep_the_colour_elsewhere():
    source = photo()
    out = filtered(source, "round_corner", "30", "0", "0", "0", "1")
    assert out.bands == 4
    assert pixel(out, 0, 0)[3] == 0
    assert pixel(out, out.width - 1, out.height - 1)[3] == 0
    assert pixel(out, out.width // 2, out.height // 2)[3] == 255
    assert same_pixels(out.extract_band(0, n=3), source)


def test_transparent_corners_on_an_image_with_alpha_only_lower_it():
    source = rgba_photo()
    out = filtered(source, "round_corner", "50", "0", "0", "0", "true")
    assert out.bands == 4
    assert pixel(out, 0, 0)[3] == 0
    middle = (out.width // 2, out.height // 2)
    assert pixel(out, *middle) == pixel(source, *middle)
    assert (out[3].cast("int") - source[3].cast("int")).max() <= 0
    grey = filtered(solid(20, 20, (70,)), "round_corner", "5", "0", "0", "0", "1")
    assert (grey.bands, grey.interpretation, pixel(grey, 0, 0), pixel(grey, 10, 10)) == (
        2,
        "b-w",
        (70, 0),
        (70, 255),
    )


def test_radii_are_clipped_to_half_the_image_and_zero_does_nothing():
    out = filtered(solid(40, 20, BLUE), "round_corner", "500", "255", "0", "0")
    assert pixel(out, 20, 10) == BLUE
    assert pixel(out, 0, 0) == (255, 0, 0)
    source = photo()
    assert same_pixels(filtered(source, "round_corner", "0", "255", "0", "0"), source)
