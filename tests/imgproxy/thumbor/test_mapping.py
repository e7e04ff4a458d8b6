"""thumbor paths and filters onto `Options`: what each maps to, and what is refused."""

from __future__ import annotations

import pytest

from imgproxy.errors import InvalidOption
from imgproxy.thumbor.filters import HANDLERS, MAX_SATURATION
from imgproxy.thumbor.grammar import parse_path
from imgproxy.thumbor.mapping import ThumborRequest, to_request
from imgproxy.url.options import (
    Color,
    Crop,
    Extend,
    Gravity,
    GravityType,
    ImageFormat,
    Options,
    ResizingType,
    SourceFit,
    Trim,
    Watermark,
)
from imgproxy.url.pixel_filters import PixelFilter

G = GravityType
STOCK_FILTERS = {
    "brightness", "colorize", "contrast", "rgb", "round_corner", "quality", "noise", "watermark",
    "equalize", "fill", "sharpen", "strip_exif", "strip_icc", "frame", "grayscale", "rotate",
    "format", "max_bytes", "convolution", "blur", "extract_focal", "focal", "no_upscale",
    "saturation", "max_age", "curve", "background_color", "upscale", "proportion", "stretch",
}  # fmt: skip


def mapped(path: str) -> ThumborRequest:
    return to_request(parse_path(path))


def options(path: str) -> Options:
    return mapped(path).options


def refusal(path: str) -> str:
    with pytest.raises(InvalidOption) as caught:
        mapped(path)
    return caught.value.message


def test_every_stock_filter_has_a_handler() -> None:
    assert set(HANDLERS) >= STOCK_FILTERS


def test_plain_resize_is_an_imgproxy_fill() -> None:
    assert options("300x200/a.com/i.jpg") == Options(
        resizing_type=ResizingType.FILL, width=300, height=200, enlarge=True
    )
    assert mapped("300x200/a.com/i.jpg").source == "http://a.com/i.jpg"


def test_fit_in_does_not_enlarge_but_full_fit_in_covers() -> None:
    assert options("fit-in/300x200/i.jpg") == Options(width=300, height=200)
    full = options("adaptive-full-fit-in/300x200/i.jpg")
    assert full.enlarge
    assert full.source_fit == SourceFit(cover=True, adaptive=True)


def test_original_size_and_alignment() -> None:
    assert options("i.jpg") == Options()
    assert options("0x0/i.jpg") == Options()
    assert options("300x200/left/bottom/i.jpg").gravity == Gravity(G.SOUTH_WEST)
    assert options("300x200/smart/i.jpg").gravity == Gravity(G.SMART)
    assert options("origx100/i.jpg").source_fit == SourceFit(orig_width=True)


def test_crop_trim_and_flips() -> None:
    result = options("trim:bottom-right:15/10x20:110x70/-50x-40/i.jpg")
    assert result.crop == Crop(100, 50, Gravity(G.NORTH_WEST, 10, 20))
    assert result.trim == Trim(threshold=15.0)
    assert result.source_fit == SourceFit(trim_bottom_right=True)
    assert (result.flip_horizontal, result.flip_vertical) == (True, True)
    assert options("30x20:10x10/i.jpg").crop == Crop()  # empty region: no crop


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("quality(0)", Options(quality=1)),
        ("quality(55)", Options(quality=55)),
        ("format(jpg)", Options(format=ImageFormat.JPEG)),
        ("format(heif)", Options(format=ImageFormat.HEIC)),
        ("blur(4)", Options(blur=4.0)),
        ("blur(4,1.5)", Options(blur=1.5)),
        ("sharpen(2,1.4,true)", Options(sharpen=1.4)),
        ("sharpen(0,1.4,true)", Options()),
        ("brightness(40)", Options(brightness=102)),
        ("contrast(-50)", Options(contrast=0.25)),
        ("saturation(1.5)", Options(saturation=1.5)),
        ("saturation(50)", Options(saturation=50.0)),
        ("saturation(0)", Options(saturation=0.0)),
        ("saturation(100)", Options(saturation=MAX_SATURATION)),
        ("saturation(100.5)", Options(saturation=MAX_SATURATION)),
        ("saturation(1e30)", Options(saturation=MAX_SATURATION)),
        ("grayscale()", Options(saturation=0.0)),
        ("rotate(90):rotate(270):rotate(-90)", Options(turn=3)),
        ("strip_icc()", Options(strip_color_profile=True)),
        ("strip_exif()", Options(strip_metadata=True, keep_copyright=False)),
        ("upscale()", Options(enlarge=True)),
        ("stretch()", Options(resizing_type=ResizingType.FORCE)),
        ("proportion(0.5)", Options(zoom_x=0.5, zoom_y=0.5)),
        ("max_bytes(5000)", Options(max_bytes=5000)),
        ("background_color(f00)", Options(background=Color(255, 0, 0))),
        ("background_color(navy)", Options(background=Color(0, 0, 128))),
        ("fill(00ff00)", Options(extend=Extend(True), background=Color(0, 255, 0))),
        ("fill(transparent)", Options(extend=Extend(True), background_alpha=0.0)),
        ("focal(10x20:30x60)", Options(source_fit=SourceFit(focal=(10, 20, 30, 60)))),
        (
            "equalize():noise(10,7)",
            Options(pixel_filters=(PixelFilter("equalize", ()), PixelFilter("noise", (10.0, 7.0)))),
        ),
    ],
)
def test_filter_onto_options(filters: str, expected: Options) -> None:
    assert options(f"filters:{filters}/i.jpg") == expected


def test_no_upscale_after_fill() -> None:
    assert not options("300x200/filters:no_upscale()/i.jpg").enlarge


def test_unknown_filters_are_skipped_and_named() -> None:
    with_unknown = mapped("300x200/filters:sepia(1):quality(80):MyFilter():red_eye()/a.com/i.jpg")
    without = mapped("300x200/filters:quality(80)/a.com/i.jpg")
    assert with_unknown.options == without.options
    assert with_unknown.source == without.source
    assert with_unknown.ignored_filters == ("sepia", "MyFilter", "red_eye")
    assert without.ignored_filters == ()


def test_max_age_goes_to_the_response() -> None:
    assert mapped("filters:max_age(120)/i.jpg").max_age == 120
    assert mapped("i.jpg").max_age is None


def test_watermark_placement() -> None:
    result = mapped("filters:watermark(local:///w.png,-10,20p,30,40,none)/i.jpg")
    assert result.asset_urls == (("watermark", "local:///w.png"),)
    assert result.options.watermark == Watermark(0.7, G.NORTH_EAST, 10.0, 0.2, 0.4)
    tiled = options("filters:watermark(a.com/w.png,repeat,center,0)/i.jpg").watermark
    assert (tiled.position, tiled.opacity) == (G.REPLICATE, 1.0)
    centered = options("filters:watermark(a.com/w.png,center,-5,0)/i.jpg").watermark
    assert (centered.position, centered.y) == (G.SOUTH, 5.0)


def test_frame_and_fill_blur_become_pixel_filters() -> None:
    result = mapped("fit-in/300x200/filters:frame(a.com/f.png):fill(blur)/i.jpg")
    assert result.asset_urls == (("frame", "http://a.com/f.png"),)
    assert result.options.pixel_filters == (
        PixelFilter("frame", ("http://a.com/f.png",)),
        PixelFilter("fill_blur", (300.0, 200.0, 0.0)),
    )


def test_extract_focal_reads_the_nested_url() -> None:
    result = mapped(
        "300x200/filters:extract_focal()/thumbor.example/unsafe/100x150:300x200/a.com/i.jpg"
    )
    assert result.source == "http://a.com/i.jpg"
    assert result.options.source_fit == SourceFit(focal=(100, 150, 300, 200))
    plain = mapped("filters:extract_focal()/a.com/i.jpg")
    assert (plain.source, plain.options.source_fit) == ("http://a.com/i.jpg", None)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("saturation(-1)", "Expected finite number >= 0 for saturation but received '-1'"),
        ("saturation(-0.001)", "Expected finite number >= 0 for saturation but received "
         "'-0.001'"),
        ("saturation(nan)", "Expected finite number >= 0 for saturation but received 'nan'"),
        ("saturation(inf)", "Expected finite number >= 0 for saturation but received 'inf'"),
        ("saturation(1e400)", "Expected finite number >= 0 for saturation but received '1e400'"),
        ("saturation(x)", "Expected finite number >= 0 for saturation but received 'x'"),
        ("saturation()", "Expected 1 arguments for saturation but received 0"),
        ("sepia(1):blur(0)", "Expected integer 1..150 for blur radius but received '0'"),
        ("convolution(1;2;1,0,false)", "Expected integer 1..15 for convolution columns "
         "but received '0'"),
        ("proportion(100000)", "Expected number >0..1 for proportion but received '100000'"),
        ("proportion(0)", "Expected number >0..1 for proportion but received '0'"),
        ("rotate(45)", "Expected a multiple of 90 for rotate but received '45'"),
        ("format(bmp)", "Expected one of png, jpeg, jpg, gif, webp, avif, heic, heif "
         "for format but received 'bmp'"),
        ("brightness(101)", "Expected integer -100..100 for brightness but received '101'"),
        ("blur(151)", "Expected integer 1..150 for blur radius but received '151'"),
        ("fill(blur)", "fill(blur) needs both a width and a height"),
        ("fill(nocolour)", "Expected colour name or hex colour for fill but received 'nocolour'"),
        ("focal(30x20:10x60)", "Expected a region with RIGHT > LEFT and BOTTOM > TOP "
         "for focal but received '30x20:10x60'"),
        ("grayscale(1)", "Expected 0 arguments for grayscale but received 1"),
        ("watermark(a.png,1,2,3):watermark(b.png,1,2,3)", "Expected at most one watermark filter"),
        ("watermark(a.png,1,top,3)", "Expected N, -N, Np, center or repeat for watermark y "
         "but received 'top'"),
    ],
)  # fmt: skip
def test_refused_filters_name_the_problem(filters: str, message: str) -> None:
    assert refusal(f"filters:{filters}/i.jpg") == message
