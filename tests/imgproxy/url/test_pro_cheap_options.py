"""imgproxy Pro's `adjust`, `co` (contrast or crop_objects), `crop_aspect_ratio`, `pages` and
`disable_animation` as the parser reads them (values, edges, refusals and the keys they share)
and as the generator and the client write them."""

from __future__ import annotations

import pytest

from cache.keys import canonical_options
from imgproxy.client import InvalidOptions, UrlBuilder, parse_options
from imgproxy.errors import InvalidOption
from imgproxy.url.generator import generate_path
from imgproxy.url.options import ImageRequest, Options
from imgproxy.url.parser import PathParser

PARSER = PathParser()


def parse(options: str) -> Options:
    return PARSER.parse(f"{options}/plain/http://example.com/a.jpg").options


def refusal(options: str) -> str:
    with pytest.raises(InvalidOption) as caught:
        parse(options)
    assert caught.value.status == 400
    return caught.value.message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("adjust:10:1.2:0.8", (10, 1.2, 0.8)),
        ("a:10:1.2:0.8", (10, 1.2, 0.8)),
        ("a:-255", (-255, 1.0, 1.0)),
        ("a::1.5", (0, 1.5, 1.0)),
        ("a:::0", (0, 1.0, 0.0)),
        ("br:20/a::2", (20, 2.0, 1.0)),  # an empty argument keeps what came before
        ("a:5:2:3/br:7", (7, 2.0, 3.0)),
    ],
)
def test_adjust_sets_brightness_contrast_and_saturation(
    path: str, expected: tuple[int, float, float]
) -> None:
    options = parse(path)
    assert (options.brightness, options.contrast, options.saturation) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("a:256", "Expected integer -255..255 for brightness but received '256'"),
        ("a:0:101", "Expected number 0..100 for contrast but received '101'"),
        ("a:0:1:-1", "Expected number 0..100 for saturation but received '-1'"),
        ("a:1:1:1:1", "Expected 1..3 arguments for adjust but received 4"),
    ],
)
def test_adjust_refusals(path: str, message: str) -> None:
    assert refusal(path) == message


def test_adjust_shares_the_key_of_its_three_options() -> None:
    assert canonical_options(parse("a:10:1.2:0.8")) == canonical_options(
        parse("br:10/contrast:1.2/sa:0.8")
    )


@pytest.mark.parametrize(
    ("value", "contrast"), [("1.3", 1.3), ("0", 0.0), ("100", 100.0), (".5", 0.5), ("1e1", 10.0)]
)
def test_co_with_one_number_is_contrast(value: str, contrast: float) -> None:
    assert parse(f"co:{value}").contrast == contrast
    assert canonical_options(parse(f"co:{value}")) == canonical_options(parse(f"contrast:{value}"))


SCALE = "number >0..10"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("co:1:face:cat", "Expected object class face or all for crop_objects but received 'cat'"),
        ("co:face", f"Expected {SCALE} for crop_objects scale_factor but received 'face'"),
        ("co:", f"Expected {SCALE} for crop_objects scale_factor but received ''"),
        ("c_obj:0:face", f"Expected {SCALE} for crop_objects scale_factor but received '0'"),
        ("co:101", "Expected number 0..100 for contrast but received '101'"),
        ("co:-0.5", "Expected number 0..100 for contrast but received '-0.5'"),
        ("co:1e3", "Expected number 0..100 for contrast but received '1e3'"),
    ],
)
def test_co_refusals(path: str, message: str) -> None:
    assert refusal(path) == message


@pytest.mark.parametrize(
    ("path", "ratio", "enlarge"),
    [
        ("crop_aspect_ratio:1.5", 1.5, False),
        ("crop_ar:0.5:1", 0.5, True),
        ("car:16:t", 16.0, True),
        ("car:0", 0.0, False),
        ("car:2:1/car:3", 3.0, True),  # an absent enlarge keeps the earlier one
        ("car:2:1/car::0", 2.0, False),
    ],
)
def test_crop_aspect_ratio_reads_ratio_and_enlarge(path: str, ratio: float, enlarge: bool) -> None:
    options = parse(path)
    assert (options.crop_aspect_ratio, options.crop_aspect_ratio_enlarge) == (ratio, enlarge)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("car:-1", "Expected number 0..65535 for crop_aspect_ratio but received '-1'"),
        ("car:x", "Expected number 0..65535 for crop_aspect_ratio but received 'x'"),
        (
            "car:1:maybe",
            "Expected boolean (1, t, true, 0, f, false) for crop_aspect_ratio enlarge "
            "but received 'maybe'",
        ),
        ("car:1:1:1", "Expected 1..2 arguments for crop_aspect_ratio but received 3"),
    ],
)
def test_crop_aspect_ratio_refusals(path: str, message: str) -> None:
    assert refusal(path) == message


@pytest.mark.parametrize(("path", "pages"), [("pages:3", 3), ("pgs:1", 1), ("pgs:10000", 10000)])
def test_pages(path: str, pages: int) -> None:
    assert parse(path).pages == pages


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("pgs:0", "Expected integer 1..10000 for pages but received '0'"),
        ("pgs:10001", "Expected integer 1..10000 for pages but received '10001'"),
        ("pgs:two", "Expected integer 1..10000 for pages but received 'two'"),
    ],
)
def test_pages_refusals(path: str, message: str) -> None:
    assert refusal(path) == message


@pytest.mark.parametrize(
    ("path", "disabled"),
    [("disable_animation:1", True), ("da:t", True), ("da:false", False), ("da:1/da:0", False)],
)
def test_disable_animation(path: str, disabled: bool) -> None:
    assert parse(path).disable_animation is disabled


def test_disable_animation_refuses_a_non_boolean() -> None:
    assert refusal("da:2") == (
        "Expected boolean (1, t, true, 0, f, false) for disable_animation but received '2'"
    )


@pytest.mark.parametrize(
    ("path", "same_as"),
    [
        ("pgs:1", "w:0"),
        ("da:0", "w:0"),
        ("car:0", "w:0"),
        ("car:0:0", "w:0"),
        ("a::", "w:0"),
        ("w:100/a:0:1:1", "w:100"),
    ],
)
def test_defaults_change_no_key(path: str, same_as: str) -> None:
    assert canonical_options(parse(path)) == canonical_options(parse(same_as))


# Written by the URL generator and the client's UrlBuilder

SOURCE = "http://example.com/a.tiff"


@pytest.mark.parametrize(
    ("options", "path"),
    [
        (
            Options(crop_aspect_ratio=1.5, crop_aspect_ratio_enlarge=True, page=1, pages=3),
            "/car:1.5:1/pg:1/pgs:3",
        ),
        (Options(crop_aspect_ratio=0.5), "/car:0.5:0"),
        (Options(disable_animation=True), "/da:1"),
        (Options(brightness=10, contrast=1.2, saturation=0.8), "/br:10/contrast:1.2/sa:0.8"),
        (Options(pages=1, disable_animation=False, crop_aspect_ratio=0.0), ""),
    ],
)
def test_generate_writes_what_parse_reads(options: Options, path: str) -> None:
    written = generate_path(ImageRequest(options, SOURCE))
    assert written == f"{path}/plain/{SOURCE}"
    assert PARSER.parse(written).options == options


@pytest.mark.parametrize(
    ("shorthand", "written"),
    [
        ("a:10:1.2:0.8", "br:10/contrast:1.2/sa:0.8"),
        ("co:1.3", "contrast:1.3"),
        ("crop_ar:2:t", "car:2:1"),
        ("pages:2", "pgs:2"),
        ("disable_animation:true", "da:1"),
    ],
)
def test_the_client_writes_each_option_in_one_form(shorthand: str, written: str) -> None:
    builder = UrlBuilder("https://img.example.com")
    url = builder.url(SOURCE, parse_options(shorthand))
    assert url == f"https://img.example.com/unsafe/{written}/plain/{SOURCE}"


def test_co_with_classes_is_crop_objects() -> None:
    for path in ("co:1.2:face", "crop_objects:1.2", "c_obj:1.2:face:all"):
        assert parse(path).crop_objects == 1.2
    assert canonical_options(parse("co:1.2:face")) == canonical_options(parse("c_obj:1.2"))


def test_the_client_refuses_other_classes_with_the_servers_message() -> None:
    with pytest.raises(InvalidOptions) as caught:
        parse_options("co:1.2:car")
    expected = "Expected object class face or all for crop_objects but received 'car'"
    assert str(caught.value) == expected
