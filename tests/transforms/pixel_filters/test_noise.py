"""noise: uniform, the same offset on every channel of a pixel, and reproducible."""

from __future__ import annotations

from tests.transforms.pixel_filters.pictures import (
    filtered,
    mean_difference,
    photo,
    rgba_photo,
    same_pixels,
    solid,
)


def test_offsets_stay_within_thumbors_range_and_average_out():
    out = filtered(solid(200, 100, (128, 128, 128)), "noise", "40", "3")
    assert out.min() == 108
    assert out.max() == 147
    assert abs(out.avg() - 127.5) < 0.5


def test_every_channel_of_a_pixel_moves_by_the_same_offset():
    out = filtered(solid(64, 64, (100, 120, 140)), "noise", "20", "9")
    assert same_pixels((out[1] - 20).cast("int"), out[0].cast("int"))
    assert same_pixels((out[2] - 40).cast("int"), out[0].cast("int"))


def test_the_same_seed_gives_the_same_pixels_and_another_seed_others():
    source = photo()
    first = filtered(source, "noise", "30", "5")
    assert same_pixels(first, filtered(source, "noise", "30", "5"))
    assert not same_pixels(first, filtered(source, "noise", "30", "6"))
    assert same_pixels(filtered(source, "noise", "30"), filtered(source, "noise", "30", "0"))
    assert 3 < mean_difference(first, source) < 10


def test_amount_zero_changes_nothing_and_alpha_is_kept():
    source = rgba_photo()
    assert same_pixels(filtered(source, "noise", "0", "1"), source)
    out = filtered(source, "noise", "50", "1")
    assert out.bands == 4
    assert same_pixels(out[3], source[3])
    grey = filtered(solid(16, 16, (90,)), "noise", "10")
    assert (grey.bands, grey.interpretation) == (1, "b-w")
    assert grey.min() >= 85 and grey.max() <= 94
