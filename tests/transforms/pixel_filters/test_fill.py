"""fill_blur and fill_auto: the image centred in the box, the rest filled."""

from __future__ import annotations

from tests.transforms.pixel_filters.pictures import (
    filtered,
    halves,
    photo,
    pixel,
    rgba_photo,
    same_pixels,
    solid,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)


def test_fill_auto_uses_the_truncated_mean_colour_around_the_centred_image():
    source = halves(100, 50, RED, BLUE)
    out = filtered(source, "fill_auto", "200", "100")
    assert (out.width, out.height, out.bands) == (200, 100, 3)
    assert pixel(out, 5, 5) == (127, 0, 127)
    assert pixel(out, 195, 95) == (127, 0, 127)
    assert same_pixels(out.crop(50, 25, 100, 50), source)


def test_fill_auto_keeps_alpha_opaque_around_and_merges_on_request():
    source = solid(10, 10, (200, 100, 0, 0)).insert(solid(5, 10, (0, 100, 200, 255)), 5, 0)
    kept = filtered(source, "fill_auto", "20", "10")
    assert pixel(kept, 0, 0) == (100, 100, 100, 255)
    assert pixel(kept, 6, 5) == (200, 100, 0, 0)
    merged = filtered(source, "fill_auto", "20", "10", "true")
    assert pixel(merged, 6, 5) == (100, 100, 100, 255)
    assert pixel(merged, 12, 5) == (0, 100, 200, 255)


def test_fill_auto_on_grey_stays_grey():
    out = filtered(halves(10, 10, (10,), (30,)), "fill_auto", "10", "30")
    assert (out.bands, out.interpretation, pixel(out, 5, 0)) == (1, "b-w", (20,))


def test_a_box_smaller_than_the_image_crops_it_centred():
    source = photo()
    out = filtered(source, "fill_auto", "100", "60")
    left, top = (source.width - 100) // 2, (source.height - 60) // 2
    assert same_pixels(out, source.crop(left, top, 100, 60))


def test_fill_blur_surrounds_the_image_with_a_blurred_stretched_copy():
    source = halves(100, 100, RED, BLUE)
    out = filtered(source, "fill_blur", "300", "120")
    assert (out.width, out.height, out.bands) == (300, 120, 3)
    assert same_pixels(out.crop(100, 10, 100, 100), source)
    far_left, far_right = pixel(out, 5, 60), pixel(out, 294, 60)
    assert far_left[0] > far_left[2] + 50
    assert far_right[2] > far_right[0] + 50
    near_middle = [pixel(out, x, 5) for x in range(130, 170)]
    assert any(30 < red < 225 for red, _, _ in near_middle)


def test_fill_blur_on_a_photo_is_smooth_and_keeps_alpha():
    source = photo()
    out = filtered(source, "fill_blur", str(source.width + 200), str(source.height))
    band = out.crop(0, 0, 100, out.height)
    assert band.deviate() < source.deviate() / 2
    rgba = rgba_photo()
    with_alpha = filtered(rgba, "fill_blur", str(rgba.width), str(rgba.height + 40))
    assert with_alpha.bands == 4
    assert same_pixels(with_alpha.crop(0, 20, rgba.width, rgba.height), rgba)
