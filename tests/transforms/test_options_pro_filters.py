"""imgproxy Pro's filters: `duotone`, `colorize`, `gradient`, `blur_areas`, `progressive_blur`
and `unsharp_masking`, each against a reference computed here."""

from __future__ import annotations

import pytest
import pyvips

from config.settings import Settings
from imgproxy.errors import InvalidOption, UnprocessableSource
from imgproxy.renderer import defaults_from
from tests.transforms import images as im

SIDE = 100
WHITE = bytes(im.solid(SIDE, SIDE, im.WHITE).pngsave_buffer())
CLEAR = bytes(im.solid(SIDE, SIDE, (0, 0, 0, 0)).pngsave_buffer())
PHOTO = im.corpus("jpeg-baseline-icc.jpg")
TOLERANCE = 1.5


def _stripes() -> bytes:
    """Black and white columns, 4 pixels wide: a strong blur turns them grey, a weak one
    softens them."""
    column = (pyvips.Image.xyz(SIDE, SIDE).extract_band(0) // 4 % 2 * 255).cast("uchar")
    return bytes(column.bandjoin([column, column]).copy(interpretation="srgb").pngsave_buffer())


STRIPES = _stripes()


def _boolean(name: str, value: str) -> str:
    return f"Expected boolean (1, t, true, 0, f, false) for {name} but received '{value}'"


def pixel(path: str, x: int, y: int, source: bytes = WHITE) -> list[float]:
    return im.decode(im.run(source, path, extension="png")).getpoint(x, y)


def close(found: list[float], expected: list[float]) -> bool:
    return len(found) == len(expected) and all(
        abs(a - b) <= TOLERANCE for a, b in zip(found, expected, strict=True)
    )


def unevenness(image: pyvips.Image, left: int, top: int, width: int, height: int) -> float:
    """The standard deviation of a region: 127.5 for untouched stripes, near 0 once blurred."""
    return float(image.crop(left, top, width, height).deviate())


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("dt:1:ff0000:0000ff", WHITE, [0, 0, 255]),
        ("dt:0.5:ff0000:0000ff", WHITE, [127.5, 127.5, 255]),
        ("dt:1:ff0000:0000ff", bytes(im.solid(SIDE, SIDE, im.BLACK).pngsave_buffer()), [255, 0, 0]),
        ("dt:1", bytes(im.solid(SIDE, SIDE, (128, 128, 128)).pngsave_buffer()), [128, 128, 128]),
    ],
)
def test_duotone_maps_lightness_between_its_colours(
    path: str, source: bytes, expected: list[float]
) -> None:
    assert close(pixel(path, 50, 50, source), expected)


def test_colorize_lays_its_colour_over_the_image() -> None:
    assert close(pixel("col:0.5:ff0000", 50, 50), [255, 127.5, 127.5])
    assert close(pixel("col:0.25", 50, 50), [191.25, 191.25, 191.25]), "black by default"


def test_colorize_fills_transparency_unless_keeping_alpha() -> None:
    assert close(pixel("col:0.5:ff0000", 5, 5, CLEAR), [255, 0, 0, 127.5])
    assert pixel("col:0.5:ff0000:1", 5, 5, CLEAR)[3] == 0


def _gradient_weight(position: float, start: float = 0.0, stop: float = 1.0) -> float:
    return min(1.0, max(0.0, (position - start) / (stop - start)))


@pytest.mark.parametrize(
    ("path", "points"),
    [
        ("gr:1:000000", [(50, 0), (50, 50), (50, 99)]),
        ("gr:1:000:down", [(50, 0), (50, 50), (50, 99)]),
        ("gr:1:000:up", [(50, 99), (50, 49), (50, 0)]),
        ("gr:1:000:90", [(99, 50), (49, 50), (0, 50)]),
        ("gr:1:000:left", [(99, 50), (49, 50), (0, 50)]),
        ("gr:1:000:right", [(0, 50), (50, 50), (99, 50)]),
    ],
)
def test_gradient_runs_from_clear_to_its_colour(path: str, points: list[tuple[int, int]]) -> None:
    for position, (x, y) in zip((0.005, 0.505, 0.995), points, strict=True):
        grey = 255 * (1 - _gradient_weight(position))
        assert close(pixel(path, x, y), [grey] * 3), (path, x, y)


def test_gradient_opacity_start_and_stop() -> None:
    assert close(pixel("gr:0.5:ff0000::0.2:0.4", 50, 10), [255, 255, 255])
    partial = 255 * (1 - 0.5 * _gradient_weight(0.305, 0.2, 0.4))
    assert close(pixel("gr:0.5:ff0000::0.2:0.4", 50, 30), [255, partial, partial])
    assert close(pixel("gr:0.5:ff0000::0.2:0.4", 50, 90), [255, 127.5, 127.5])


def test_blur_areas_blur_only_inside_them() -> None:
    plain = im.decode(im.run(STRIPES, "", extension="png"))
    blurred = im.decode(im.run(STRIPES, "ba:8:0:0:0.5:1:0.5:0.8:0.5:0.2", extension="png"))
    assert unevenness(blurred, 0, 0, 50, SIDE) < 30
    assert unevenness(blurred, 50, 80, 50, 20) < 30
    untouched = blurred.crop(60, 0, 40, 70)
    assert (untouched == plain.crop(60, 0, 40, 70)).min() == 255


def test_progressive_blur_grows_along_its_direction() -> None:
    image = im.decode(im.run(STRIPES, "pbl:8", extension="png"))
    assert unevenness(image, 0, 0, SIDE, 1) > 110, "the top stays sharp"
    assert unevenness(image, 0, 99, SIDE, 1) < 30
    assert unevenness(image, 0, 30, SIDE, 1) > unevenness(image, 0, 60, SIDE, 1)
    sideways = im.decode(im.run(STRIPES, "pbl:8:right", extension="png"))
    assert unevenness(sideways, 0, 0, 10, SIDE) > 100
    assert unevenness(sideways, 90, 0, 10, SIDE) < 30


def test_unsharp_masking_is_the_three_by_three_kernel() -> None:
    plain = im.decode(im.run(PHOTO, "", extension="png"))
    sharpened = im.decode(im.run(PHOTO, "ush:always:2:10", extension="png"))
    kernel = pyvips.Image.new_from_list([[-2] * 3, [-2, 26, -2], [-2] * 3], scale=10)
    reference = plain.conv(kernel, precision="float").cast("uchar")
    assert (sharpened - reference).abs().max() <= 1
    assert (sharpened - plain).abs().max() > 20


def test_unsharp_masking_modes() -> None:
    def png(path: str, settings: Settings | None = None) -> bytes:
        server = defaults_from(settings) if settings else None
        return im.run(PHOTO, path, server, extension="png").data

    assert png("ush:auto") == png(""), "auto: no downscale, no sharpening"
    assert png("w:100/ush:auto") != png("w:100")
    assert png("w:100/sh:1/ush:auto") == png("w:100/sh:1"), "auto leaves sharpen alone"
    assert png("w:100/ush:always") == png("w:100/ush:auto")
    assert png("ush:always") != png("")
    assert png("w:100") == png("w:100/ush:none"), "none is the server's default here"
    auto = Settings(unsharp_masking_mode="auto")
    assert png("w:100", auto) == png("w:100/ush:auto")
    assert png("w:100/ush:none", auto) == png("w:100")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "ba:900:0:0:1:1",
            "Expected blur_areas sigma of at most 231.3 for a 2000x2000 result but received 900",
        ),
        (
            "pbl:900",
            "Expected progressive_blur sigma of at most 260.8 for a 2000x2000 result "
            "but received 900",
        ),
    ],
)
def test_blurs_are_held_to_the_blur_budget(path: str, message: str) -> None:
    with pytest.raises(UnprocessableSource) as refused:
        im.run(WHITE, f"rs:force:2000:2000:1/{path}", extension="png")
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("dt:2", "Expected number 0..1 for duotone but received '2'"),
        ("dt:1:zz", "Expected hex colour (RRGGBB) for duotone color1 but received 'zz'"),
        (
            "ush:sometimes",
            "Expected one of auto, none, always for unsharp_masking mode but received 'sometimes'",
        ),
        ("ush::0", "Expected number >0..100 for unsharp_masking weight but received '0'"),
        ("ba:5:0:0:1", "Expected a sigma and 4 numbers per area for blur_areas but received 4"),
        ("ba:5:0:0:1:2", "Expected number 0..1 for blur_areas area but received '2'"),
        (
            "pbl:5:sideways",
            "Expected one of down, left, up, right or an angle for progressive_blur direction "
            "but received 'sideways'",
        ),
        ("gr:0.5:000:down:1.5", "Expected number 0..1 for gradient start but received '1.5'"),
        ("col:0.5:000:maybe", _boolean("colorize keep_alpha", "maybe")),
    ],
)
def test_bad_arguments_are_named(path: str, message: str) -> None:
    with pytest.raises(InvalidOption) as refused:
        im.PARSER.parse(f"{path}/plain/local:///a.jpg")
    assert str(refused.value) == message
