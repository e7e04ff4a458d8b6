"""convolution: identity, orientation, normalising, edges, alpha, and a real blur."""

from __future__ import annotations

import pyvips

from tests.transforms.pixel_filters.pictures import (
    filtered,
    halves,
    mean_difference,
    photo,
    pixel,
    rgba_photo,
    same_pixels,
    solid,
)

BLUR = "1;2;1;2;4;2;1;2;1"


def test_identity_kernel_changes_nothing():
    source = photo()
    assert same_pixels(filtered(source, "convolution", "0;0;0;0;1;0;0;0;0", "3"), source)
    assert same_pixels(filtered(source, "convolution", "0;0;0;0;5;0;0;0;0", "3", "true"), source)


def test_blur_kernel_softens_a_photo_but_not_a_flat_colour():
    source = photo()
    out = filtered(source, "convolution", BLUR, "3", "true")
    assert 1 < mean_difference(out, source) < 20
    assert out.deviate() < source.deviate()
    flat = solid(20, 10, (10, 200, 90))
    assert same_pixels(filtered(flat, "convolution", BLUR, "3"), flat)


def test_kernel_is_applied_unflipped_with_border_pixels_repeated():
    level = (pyvips.Image.xyz(5, 1)[0] * 10).cast("uchar").copy(interpretation="b-w")
    out = filtered(level, "convolution", "0;0;1", "3", "false")
    assert [pixel(out, x, 0)[0] for x in range(5)] == [10, 20, 30, 40, 40]
    upright = level.rot90()
    assert [pixel(upright, 0, y)[0] for y in range(5)] == [0, 10, 20, 30, 40]
    column = filtered(upright, "convolution", "1;0;0", "1", "false")
    assert [pixel(column, 0, y)[0] for y in range(5)] == [0, 0, 10, 20, 30]


def test_without_normalising_sums_are_truncated_and_clipped():
    source = halves(4, 2, (100, 10, 200), (3, 3, 3))
    doubled = filtered(source, "convolution", "2", "1", "false")
    assert pixel(doubled, 0, 0) == (200, 20, 255)
    edges = filtered(source, "convolution", "-1;1;0", "3", "false")
    assert pixel(edges, 1, 0) == (0, 0, 0)
    assert pixel(edges, 2, 0) == (0, 0, 0)
    rising = filtered(source, "convolution", "0;1;-1", "3", "false")
    assert pixel(rising, 1, 0) == (97, 7, 197)


def test_alpha_is_kept_and_grey_stays_grey():
    source = rgba_photo()
    out = filtered(source, "convolution", BLUR, "3")
    assert out.bands == 4
    assert same_pixels(out[3], source[3])
    grey = filtered(solid(8, 8, (40,)), "convolution", BLUR, "3")
    assert (grey.bands, grey.interpretation, pixel(grey, 0, 0)) == (1, "b-w", (40,))


def test_largest_kernel_runs():
    kernel = ";".join(["1"] * 225)
    out = filtered(photo(), "convolution", kernel, "15")
    assert out.deviate() < photo().deviate()


def test_fractional_weights_are_summed_exactly_and_truncated():
    source = solid(3, 3, (101, 51, 255))
    out = filtered(source, "convolution", "0;0.5;0", "3", "false")
    assert pixel(out, 1, 1) == (50, 25, 127)


def test_a_kernel_with_a_negative_sum_is_normalised_by_it():
    source = photo()
    out = filtered(source, "convolution", "0;0;0;0;-2;0;0;0;0", "3", "true")
    assert same_pixels(out, source)


def test_whole_and_fractional_spellings_of_one_kernel_agree_within_a_level():
    source = photo()
    whole = filtered(source, "convolution", BLUR, "3", "true")
    fractions = ";".join(str(weight / 16) for weight in (1, 2, 1, 2, 4, 2, 1, 2, 1))
    fractional = filtered(source, "convolution", fractions, "3", "false")
    difference = (whole.cast("int") - fractional.cast("int")).abs()
    assert difference.max() <= 1
    assert difference.avg() < 0.6
