"""imgproxy Pro's `style`: CSS put first into an SVG source's root, cleaned as any stylesheet
in an SVG is, whether the SVG is served as SVG or rasterized."""

from __future__ import annotations

import base64

import pytest
import pyvips

from imgproxy.errors import InvalidOption
from tests.transforms import images as im

SVG = im.corpus("svg-basic.svg")
PHOTO = im.corpus("jpeg-baseline-icc.jpg")
GREEN = "* { fill: #00ff00 !important; stroke: #00ff00 !important }"


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def green_share(image: pyvips.Image) -> float:
    ink = (image.extract_band(3) > 200) & (image.extract_band(1) > 200)
    return float((ink & (image.extract_band(0) < 50)).ifthenelse(1, 0).avg())


@pytest.mark.parametrize("name", ["style", "st", "stl"])
def test_the_style_comes_first_in_a_served_svg(name: str) -> None:
    plain = im.run(SVG, "").data
    styled = im.run(SVG, f"{name}:{encoded('rect { fill: red }')}").data
    first_child = plain.index(b"<", plain.index(b">"))
    style = b"<style>rect { fill: red }</style>"
    assert styled == plain[:first_child] + style + plain[first_child:]


def test_a_rasterized_svg_is_drawn_with_the_style() -> None:
    plain = im.decode(im.run(SVG, "w:200", extension="png"))
    styled = im.decode(im.run(SVG, f"w:200/st:{encoded(GREEN)}", extension="png"))
    assert green_share(plain) == 0
    assert green_share(styled) > 0.01
    assert (styled.width, styled.height) == (plain.width, plain.height)


def test_outside_references_are_removed() -> None:
    css = (
        "@import url(http://example.com/a.css); rect { background: url(http://example.com/b.png) }"
    )
    served = im.run(SVG, f"st:{encoded(css)}").data
    assert b"<style> rect { background: none }</style>" in served
    assert b"example.com" not in served


def test_css_that_cannot_be_made_safe_is_a_400() -> None:
    with pytest.raises(InvalidOption) as refused:
        im.run(SVG, f"st:{encoded('rect { fill: image(a.png) }')}")
    assert (str(refused.value), refused.value.status) == (
        "Expected CSS without image(), expression() or escapes for style",
        400,
    )


def test_a_raster_source_ignores_it() -> None:
    styled = im.run(PHOTO, f"w:50/st:{encoded(GREEN)}", extension="png").data
    assert styled == im.run(PHOTO, "w:50", extension="png").data


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("not*css", "Expected URL-safe base64 of CSS for style but received 'not*css'"),
        (encoded("x" * 16385), "Expected at most 16384 characters for style but received 16385"),
    ],
)
def test_bad_arguments_are_named(argument: str, message: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.PARSER.parse(f"st:{argument}/plain/local:///a.svg")
    assert str(refused.value) == message
