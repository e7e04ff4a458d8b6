"""imgproxy Pro's `watermark_text`: Pango markup rendered with the bundled font, placed as any
watermark, bounded in size, and refused with a 400 when it is not markup."""

from __future__ import annotations

import base64

import pytest
import pyvips

from imgproxy.errors import InvalidOption
from tests.transforms import images as im
from transforms.watermark_text import MAX_TEXT_SIDE, render_text

WIDTH, HEIGHT = 300, 120
WHITE = bytes(im.solid(WIDTH, HEIGHT, im.WHITE).pngsave_buffer())


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def inked(image: pyvips.Image, left: int, top: int, width: int, height: int) -> float:
    """The share of dark pixels in a region."""
    region = image.crop(left, top, width, height).extract_band(0)
    return float((region < 128).ifthenelse(1, 0).avg())


def test_text_is_black_sans_16_in_the_bundled_font() -> None:
    text = render_text("Hello")
    reference = pyvips.Image.text("Hello", font="DejaVu Sans 16", rgba=True, dpi=72)
    assert (text.width, text.height) == (reference.width, reference.height)
    assert (text - reference).abs().max() == 0
    assert text.extract_band(0, n=3).max() == 0, "black"


def test_markup_sets_colour_and_weight() -> None:
    text = render_text('<span foreground="#ff0000"><b>Hello</b></span>')
    opaque = text.extract_band(3) == 255
    red = opaque.ifthenelse(text.extract_band(0), 0).max()
    green = opaque.ifthenelse(text.extract_band(1), 0).max()
    assert (red, green) == (255, 0)
    assert text.width > render_text("Hello").width, "bold is wider"


def test_huge_fonts_are_rendered_within_the_bound() -> None:
    text = render_text('<span size="2000000">Huge</span>')
    assert max(text.width, text.height) <= MAX_TEXT_SIDE
    assert text.width > MAX_TEXT_SIDE / 2, "as large as fits"


def test_the_text_is_placed_as_a_watermark() -> None:
    result = im.decode(im.run(WHITE, f"wm:1:nowe/wmt:{encoded('Hello')}", extension="png"))
    text = render_text("Hello")
    expected = im.solid(text.width, text.height, im.WHITE).composite2(text, "over")
    corner = result.crop(0, 0, text.width, text.height)
    assert (corner - expected.extract_band(0, n=3)).abs().max() <= 1
    assert inked(result, WIDTH // 2, HEIGHT // 2, WIDTH // 2, HEIGHT // 2) == 0


def test_each_chained_pipeline_writes_its_own_text() -> None:
    path = f"wm:1:nowe/wmt:{encoded('One')}/-/wm:1:soea/wmt:{encoded('Two')}"
    result = im.decode(im.run(WHITE, path, extension="png"))
    assert inked(result, 0, 0, 60, 30) > 0.05
    assert inked(result, WIDTH - 60, HEIGHT - 30, 60, 30) > 0.05
    assert inked(result, WIDTH - 60, 0, 60, 30) == 0


def test_no_opacity_no_text() -> None:
    result = im.decode(im.run(WHITE, f"wm:0:nowe/wmt:{encoded('Hello')}", extension="png"))
    assert inked(result, 0, 0, WIDTH, HEIGHT) == 0


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (encoded("<b>unclosed"), "Invalid Pango markup in watermark_text"),
        (encoded('<span colour="red">x</span>'), "Invalid Pango markup in watermark_text"),
    ],
)
def test_bad_markup_is_a_400(argument: str, message: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.run(WHITE, f"wm:1/wmt:{argument}", extension="png")
    assert (str(refused.value), refused.value.status) == (message, 400)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "not*base64",
            "Expected URL-safe base64 of Pango markup for watermark_text but received 'not*base64'",
        ),
        (
            encoded("x" * 2049),
            "Expected at most 2048 characters for watermark_text but received 2049",
        ),
    ],
)
def test_bad_arguments_are_named(argument: str, message: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.PARSER.parse(f"wmt:{argument}/plain/local:///a.jpg")
    assert str(refused.value) == message


def test_many_lines_are_fitted_within_the_bound() -> None:
    text = render_text("line\n" * 2000)
    assert max(text.width, text.height) <= MAX_TEXT_SIDE
    assert text.height > MAX_TEXT_SIDE / 2, "as large as fits"


def test_a_render_is_reused_for_the_same_markup() -> None:
    first = render_text("<i>reused</i>")
    assert render_text("<i>reused</i>") is first
    assert render_text("<i>other</i>") is not first
