"""apply_filters: order, no-op, and inputs that are not 8-bit sRGB or b-w."""

from __future__ import annotations

import pyvips

from imgproxy.url.pixel_filters import PixelFilter, parse_filter
from tests.support import CORPUS
from tests.transforms.pixel_filters.pictures import pixel, solid
from transforms.pixel_filters import apply_filters


def test_no_filters_returns_the_image_itself():
    source = solid(4, 4, (1, 2, 3))
    assert apply_filters(source, []) is source


def test_filters_run_in_the_given_order():
    source = solid(4, 4, (100, 100, 100))
    brighten = parse_filter("rgb", ["50", "0", "0"])
    paint = parse_filter("colorize", ["50", "0", "0", "000000"])
    assert pixel(apply_filters(source, [brighten, paint]), 0, 0) == (113, 100, 100)
    assert pixel(apply_filters(source, [paint, brighten]), 0, 0) == (177, 100, 100)


def test_sixteen_bit_input_comes_out_as_8_bit():
    source = pyvips.Image.new_from_file(str(CORPUS / "png-rgb16.png"))
    assert source.format == "ushort"
    out = apply_filters(source, [PixelFilter("equalize", ())])
    assert (out.format, out.interpretation, out.bands) == ("uchar", "srgb", 3)
    assert out.max() == 255


def test_cmyk_input_is_turned_into_srgb_first():
    source = pyvips.Image.new_from_file(str(CORPUS / "jpeg-cmyk-icc.jpg"))
    assert source.interpretation == "cmyk"
    out = apply_filters(source, [parse_filter("rgb", ["0", "0", "0"])])
    assert (out.format, out.interpretation, out.bands) == ("uchar", "srgb", 3)


def test_every_known_filter_gives_uchar_on_every_band_layout():
    calls = {
        "rgb": ["1", "2", "3"],
        "equalize": [],
        "noise": ["5"],
        "colorize": ["1", "2", "3", "ffffff"],
        "convolution": ["1;1;1", "3"],
        "curve": ["[(0,0),(255,255)]"] * 4,
        "round_corner": ["3", "0", "0", "0"],
        "fill_blur": ["30", "20"],
        "fill_auto": ["30", "20"],
    }
    for color in ((10,), (10, 128), (10, 20, 30), (10, 20, 30, 128)):
        for name, args in calls.items():
            out = apply_filters(solid(24, 16, color), [parse_filter(name, args)]).copy_memory()
            assert out.format == "uchar", (name, color)
            assert out.bands in {len(color), 3, 4}, (name, color)
            assert out.hasalpha() == (len(color) in {2, 4}), (name, color)
