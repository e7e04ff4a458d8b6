"""The thumbor path grammar, filter-call splitting and image URL forms."""

from __future__ import annotations

import time

import pytest

from imgproxy.errors import InvalidOption, InvalidPath
from imgproxy.thumbor.calls import FilterCall, parse_calls, split_args
from imgproxy.thumbor.grammar import Side, ThumborPath, parse_path
from imgproxy.thumbor.image_url import source_url


def test_every_part_in_order() -> None:
    path = (
        "debug/meta/trim:bottom-right:20/10x20:300x400/adaptive-full-fit-in/-300x-orig/"
        "right/bottom/smart/filters:quality(50):watermark(http://a.com/w.png,1,2,3)/a.com/i.jpg"
    )
    assert parse_path(path) == ThumborPath(
        image="a.com/i.jpg",
        debug=True,
        meta=True,
        trim="bottom-right",
        trim_tolerance=20,
        crop=(10, 20, 300, 400),
        fit_in=True,
        full=True,
        adaptive=True,
        width=Side(300, flip=True),
        height=Side(orig=True, flip=True),
        halign="right",
        valign="bottom",
        smart=True,
        filters=(
            FilterCall("quality", ("50",)),
            FilterCall("watermark", ("http://a.com/w.png", "1", "2", "3")),
        ),
    )


@pytest.mark.parametrize(
    ("path", "width", "height"),
    [
        ("300x200/i.jpg", Side(300), Side(200)),
        ("x200/i.jpg", Side(), Side(200)),
        ("300x/i.jpg", Side(300), Side()),
        ("origx0/i.jpg", Side(orig=True), Side()),
        ("-0x-0/i.jpg", Side(flip=True), Side(flip=True)),
    ],
)
def test_sizes(path: str, width: Side, height: Side) -> None:
    parsed = parse_path(path)
    assert (parsed.width, parsed.height, parsed.image) == (width, height, "i.jpg")


def test_only_an_image() -> None:
    assert parse_path("host.com/a/b.jpg") == ThumborPath(image="host.com/a/b.jpg")
    assert parse_path("trim/i.jpg").trim == "top-left"


def test_filters_end_at_the_first_close_and_slash() -> None:
    parsed = parse_path("filters:frame(http://a.com/f.png):blur(2)/http://b.com/i.jpg")
    assert parsed.filters == (
        FilterCall("frame", ("http://a.com/f.png",)),
        FilterCall("blur", ("2",)),
    )
    assert parsed.image == "http://b.com/i.jpg"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("300x200/", "Image URL is empty"),
        ("filters:blur(2)", "Filters must be followed by '/' and the image URL"),
        ("99999999x1/i.jpg", "Expected integer 0..65535 for size but received '99999999'"),
        ("1x1:2x99999999999/i.jpg", None),
    ],
)
def test_bad_paths(path: str, message: str | None) -> None:
    with pytest.raises(InvalidPath) as caught:
        parse_path(path)
    if message:
        assert caught.value.message == message


def test_huge_size_and_tolerance_are_refused() -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_path("70000x1/i.jpg")
    assert caught.value.message == "Expected integer 0..65535 for size but received '70000'"
    with pytest.raises(InvalidOption):
        parse_path("trim:500/i.jpg")


def test_quoted_arguments_keep_commas() -> None:
    assert split_args("'a,b', 2 ,") == ("a,b", "2", "")
    assert split_args("  ") == ()


def test_any_identifier_is_a_filter_name() -> None:
    """thumbor sites carry custom filters; unknown ones are skipped later, not refused here."""
    assert parse_calls("Blur(1):my_Filter_2()") == (
        FilterCall("Blur", ("1",)),
        FilterCall("my_Filter_2", ()),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("blur", "Invalid filter: blur"),
        ("1blur(1)", "Invalid filter: 1blur(1"),
        ("blur-x(1)", "Invalid filter: blur-x(1"),
        ("(1)", "Invalid filter: (1"),
        ("a():" * 40 + "b()", "Expected at most 32 filters"),
    ],
)
def test_bad_filter_calls(text: str, message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_calls(text)
    assert caught.value.message == message


def test_redos_shaped_input_is_refused_at_once() -> None:
    """CVE-2026-53504 sent long convolution matrices that made a backtracking regex spin."""
    matrix = ";".join(["1"] * 50_000) + ";x"
    started = time.perf_counter()
    with pytest.raises(InvalidOption) as caught:
        parse_path(f"filters:convolution({matrix},3,false)/i.jpg")
    assert caught.value.message == "Filter is longer than 4096 characters"
    with pytest.raises(InvalidPath):
        parse_path("filters:" + "a(" * 50_000 + "i.jpg")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("image", "source"),
    [
        ("host.com/a/b.jpg", "http://host.com/a/b.jpg"),
        ("127.0.0.1:8001/b.jpg", "http://127.0.0.1:8001/b.jpg"),
        ("localhost:8001/b.jpg", "http://localhost:8001/b.jpg"),
        ("http://host.com/a%20b.jpg", "http://host.com/a%20b.jpg"),
        ("https:/host.com/b.jpg", "https://host.com/b.jpg"),
        ("http%3A%2F%2Fhost.com%2Fb.jpg", "http://host.com/b.jpg"),
        ("HTTPS%3a%2F%2Fhost.com%2Fb.jpg", "https://host.com/b.jpg"),
        ("local:///b.jpg", "local:///b.jpg"),
        ("local:/b.jpg", "local:///b.jpg"),
        ("s3://bucket/key.jpg", "s3://bucket/key.jpg"),
    ],
)
def test_image_url_forms(image: str, source: str) -> None:
    assert source_url(image) == source


@pytest.mark.parametrize("image", ["/", "//a.jpg", "/a.jpg"])
def test_image_url_without_host(image: str) -> None:
    with pytest.raises(InvalidPath) as caught:
        source_url(image)
    assert caught.value.message == "Image URL has no host"
