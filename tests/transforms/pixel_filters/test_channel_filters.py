"""rgb, colorize, curve and equalize: exact values on flat colours, sane changes on photos."""

from __future__ import annotations

import pyvips

from tests.transforms.pixel_filters.pictures import (
    filtered,
    grey_photo,
    halves,
    mean_difference,
    photo,
    pixel,
    rgba_photo,
    same_pixels,
    solid,
)

IDENTITY = "[(0,0),(255,255)]"


def test_rgb_adds_a_truncated_share_of_255_per_channel_and_clips():
    out = filtered(solid(8, 8, (100, 150, 200)), "rgb", "10", "-20", "100")
    assert pixel(out, 3, 3) == (125, 99, 255)
    assert (out.bands, out.format, out.interpretation) == (3, "uchar", "srgb")


def test_rgb_keeps_alpha_and_gives_grey_colour():
    out = filtered(solid(4, 4, (100, 150, 200, 77)), "rgb", "0", "0", "-100")
    assert pixel(out, 0, 0) == (100, 150, 0, 77)
    grey = filtered(solid(4, 4, (100, 30)), "rgb", "10", "0", "0")
    assert pixel(grey, 1, 1) == (125, 100, 100, 30)
    assert grey.interpretation == "srgb"


def test_rgb_on_a_photo_moves_channel_means():
    source = photo()
    out = filtered(source, "rgb", "20", "0", "-20")
    assert out.extract_band(0).avg() > source.extract_band(0).avg() + 30
    assert abs(out.extract_band(1).avg() - source.extract_band(1).avg()) < 0.01
    assert out.extract_band(2).avg() < source.extract_band(2).avg() - 10


def test_colorize_blends_each_channel_towards_the_fill_by_its_percentage():
    out = filtered(solid(4, 4, (100, 150, 200)), "colorize", "50", "0", "100", "ff0000")
    assert pixel(out, 2, 2) == (177, 150, 0)
    with_alpha = filtered(solid(4, 4, (0, 0, 0, 9)), "colorize", "100", "100", "100", "102030")
    assert pixel(with_alpha, 0, 0) == (16, 32, 48, 9)


def test_colorize_on_a_grey_photo_tints_it():
    out = filtered(grey_photo(), "colorize", "40", "0", "0", "ff0000")
    assert out.bands == 3
    assert out.extract_band(0).avg() > out.extract_band(1).avg() + 50


def test_identity_curves_leave_a_photo_unchanged():
    source = photo()
    assert same_pixels(filtered(source, "curve", IDENTITY, IDENTITY, IDENTITY, IDENTITY), source)


def test_curve_maps_channels_then_the_all_channel_curve():
    source = solid(2, 2, (200, 100, 10))
    halve_red = "[(0,0),(255,128)]"
    out = filtered(source, "curve", IDENTITY, halve_red, IDENTITY, IDENTITY)
    assert pixel(out, 0, 0) == (100, 100, 10)
    inverted = filtered(source, "curve", "[(0,255),(255,0)]", halve_red, IDENTITY, IDENTITY)
    assert pixel(inverted, 0, 0) == (155, 155, 245)


def test_curve_levels_outside_the_points_take_the_end_values():
    ramp = solid(3, 1, (0, 0, 0)).insert(solid(1, 1, (128, 128, 128)), 1, 0)
    ramp = ramp.insert(solid(1, 1, (255, 255, 255)), 2, 0)
    middle = "[(50,60),(200,70)]"
    out = filtered(ramp, "curve", IDENTITY, middle, middle, middle)
    assert [pixel(out, x, 0)[0] for x in range(3)] == [60, 65, 70]


def test_curve_through_a_bent_point_passes_through_it_smoothly():
    level = pyvips.Image.xyz(256, 1)[0]
    ramp = level.bandjoin([level, level]).cast("uchar").copy(interpretation="srgb")
    out = filtered(ramp, "curve", "[(0,0),(128,200),(255,255)]", IDENTITY, IDENTITY, IDENTITY)
    values = [pixel(out, x, 0)[0] for x in range(256)]
    assert (values[0], values[128], values[255]) == (0, 200, 255)
    assert values == sorted(values)
    assert values[64] > 110


def test_equalize_spreads_levels_to_the_full_range_per_channel():
    source = halves(10, 4, (50, 0, 30), (100, 255, 30))
    out = filtered(source, "equalize")
    assert pixel(out, 0, 0) == (0, 0, 30)
    assert pixel(out, 9, 0) == (255, 255, 30)


def test_equalize_keeps_alpha_and_band_count():
    source = halves(10, 4, (50, 80, 30, 200), (100, 90, 40, 10))
    out = filtered(source, "equalize")
    assert pixel(out, 0, 0) == (0, 0, 0, 200)
    assert pixel(out, 9, 0) == (255, 255, 255, 10)
    grey = filtered(halves(4, 4, (10,), (20,)), "equalize")
    assert (grey.bands, pixel(grey, 0, 0), pixel(grey, 3, 0)) == (1, (0,), (255,))


def test_equalize_stretches_a_photo_histogram():
    source = photo()
    out = filtered(source, "equalize")
    for band in range(3):
        channel = out.extract_band(band)
        assert channel.min() == 0 and channel.max() == 255
        assert abs(channel.avg() - 127.5) < 12
    assert mean_difference(out, source) > 20
    rgba = rgba_photo()
    assert same_pixels(filtered(rgba, "equalize")[3], rgba[3])
