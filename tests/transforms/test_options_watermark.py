"""watermark: opacity (times the server's), compass positions with offsets, `re` tiling with
spacing, scale, dpr.

Positions follow imgproxy's processing/calc_position.go with overflow allowed; `re` pads the
mark by the offsets and tiles it centred on the image (vips/vips.c `vips_replicate_go`, centred:
an odd number of tiles, cut from the middle); scale fits the mark into scale * the image size.
"""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
import pyvips

from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.assets import Assets
from transforms.costs import WorkTooLarge, bound_work
from transforms.job import Encoding, Job
from transforms.limits import Limits
from transforms.pipeline import Defaults, render
from transforms.plan import make_plan

BLUE_MARK = im.solid(20, 10, im.BLUE)
WHITE_110x90 = im.png(im.solid(110, 90, im.WHITE))


def with_mark(mark: pyvips.Image = BLUE_MARK, opacity: float = 1.0) -> Defaults:
    return replace(im.defaults(), watermark=mark, watermark_opacity=opacity)


def marked_box(image: pyvips.Image) -> tuple[int, int, int, int]:
    """Left, top, width, height of what is not white."""
    flat = image.flatten(background=[255, 255, 255]) if image.hasalpha() else image
    return tuple(flat.find_trim(threshold=40, background=[255, 255, 255]))  # type: ignore[return-value]


@pytest.mark.parametrize("path", ["", "wm:0", "wm:0:nowe"])
def test_no_watermark_without_opacity(path):
    image = im.decode(im.run(WHITE_110x90, path, with_mark()))
    assert marked_box(image)[2:] == (0, 0)


def test_no_watermark_without_a_configured_image():
    image = im.decode(im.run(WHITE_110x90, "wm:1:nowe"))
    assert marked_box(image)[2:] == (0, 0)


@pytest.mark.parametrize(
    ("position", "left_top"),
    [
        ("ce", (46, 40)),  # round_half_even((110 - 20 + 1) / 2), round_half_even(81 / 2)
        ("no", (46, 0)),
        ("so", (46, 80)),
        ("we", (0, 40)),
        ("ea", (90, 40)),
        ("nowe", (0, 0)),
        ("noea", (90, 0)),
        ("sowe", (0, 80)),
        ("soea", (90, 80)),
        ("nowe:10:5", (10, 5)),
        ("soea:10:5", (80, 75)),
        ("ce:10:-5", (56, 35)),
        ("ea:0.1", (79, 40)),  # 0.1 of 110 px = 11
    ],
)
def test_watermark_position_and_offsets(position, left_top):
    rendered = im.run(WHITE_110x90, f"wm:1:{position}", with_mark())
    image = im.decode(rendered)
    assert (rendered.width, rendered.height) == (110, 90)
    assert marked_box(image) == (*left_top, 20, 10)
    assert im.named(image, left_top[0] + 10, left_top[1] + 5) == "blue"


def test_watermark_may_hang_over_the_edge():
    image = im.decode(im.run(WHITE_110x90, "wm:1:nowe:-10:-5", with_mark()))
    assert marked_box(image) == (0, 0, 10, 5)


def test_watermark_offsets_follow_dpr():
    rendered = im.run(
        im.png(im.solid(220, 180, im.WHITE)), "w:110/dpr:2/wm:1:nowe:10:5", with_mark()
    )
    assert (rendered.width, rendered.height) == (220, 180)
    assert marked_box(im.decode(rendered))[:2] == (20, 10)


def test_watermark_is_placed_on_the_padded_image():
    image = im.decode(im.run(WHITE_110x90, "pd:10/wm:1:nowe", with_mark(), extension="jpg"))
    assert (image.width, image.height) == (130, 110)
    assert marked_box(image)[:2] == (0, 0)


@pytest.mark.parametrize(
    ("path", "server", "color"),
    [
        ("wm:1:ce", 1.0, im.BLUE),
        ("wm:0.5:ce", 1.0, (128, 128, 255)),
        ("wm:1:ce", 0.5, (128, 128, 255)),
        ("wm:0.5:ce", 0.5, (191, 191, 255)),  # 0.5 * 0.5
    ],
)
def test_watermark_opacity_multiplies_the_servers(path, server, color):
    image = im.decode(im.run(WHITE_110x90, path, with_mark(opacity=server)))
    assert im.close(im.rgb(image, 55, 45), color, tolerance=3)
    assert im.rgb(image, 5, 5) == im.WHITE


def test_watermark_scale_fits_the_mark_to_a_share_of_the_image():
    # box 55x45; the 20x10 mark grows by min(55 / 20, 45 / 10) = 2.75 to 55x28
    image = im.decode(im.run(WHITE_110x90, "wm:1:nowe:0:0:0.5", with_mark()))
    left, top, width, height = marked_box(image)
    assert (left, top, width) == (0, 0, 55)
    assert abs(height - 28) <= 1


# A 20x20 tile with a red 10x10 square in its middle: centred tiling makes a symmetric picture.
TILE = im.solid(20, 20, (0, 0, 0, 0)).insert(im.solid(10, 10, (255, 0, 0, 255)), 5, 5)
WHITE_110 = im.png(im.solid(110, 110, im.WHITE))


def test_replicated_watermark_covers_the_image():
    image = im.decode(im.run(WHITE_110, "wm:1:re", with_mark(TILE)))
    assert (image.width, image.height) == (110, 110)
    assert abs(im.share(image, im.RED) - 0.25) < 0.05
    assert marked_box(image)[2] >= 90


def test_replicated_watermark_is_centred():
    image = im.decode(im.run(WHITE_110, "wm:1:re", with_mark(TILE)))
    assert im.mean_abs_difference(image, image.fliphor()) == 0
    assert im.mean_abs_difference(image, image.flipver()) == 0
    # 7 tiles (140 px) cut from the middle: pixel x shows tile column (x + 15) % 20
    row = [im.named(image, x, 55) for x in range(110)]
    assert row[:10] == ["white"] * 10
    assert row[10:20] == ["red"] * 10


def test_replicated_watermark_spacing_pads_the_tiles():
    image = im.decode(im.run(WHITE_110, "wm:1:re:10:10", with_mark(TILE)))
    assert abs(im.share(image, im.RED) - 100 / 900) < 0.04
    assert im.mean_abs_difference(image, image.fliphor()) == 0
    assert im.mean_abs_difference(image, image.flipver()) == 0


def test_watermark_url_image_takes_the_servers_opacity_and_replaces_its_image():
    """imgproxy Pro's `watermark_url`: the URL's image (fetched beside the source, handed in as
    an asset by URL) instead of the configured one, at IMGPROXY_WATERMARK_OPACITY x opacity."""
    url = "http://example.com/green.png"
    assets = Assets(watermarks={url: im.png(im.solid(20, 10, im.GREEN))})
    options = im.PARSER.parse(f"wm:1:nowe/wmu:{b64(url)}/plain/local:///source@png").options
    white = im.png(im.solid(110, 90, im.WHITE))
    full = im.decode(render(white, options, ImageFormat.PNG, with_mark(), assets))
    half = im.decode(render(white, options, ImageFormat.PNG, with_mark(opacity=0.5), assets))
    assert im.rgb(full, 5, 5) == im.GREEN
    assert im.close(im.rgb(half, 5, 5), (128, 255, 128), tolerance=2)
    assert marked_box(full) == (0, 0, 20, 10)


def b64(url: str) -> str:
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "box"),
    [
        ("wm:1:nowe/wms:40:0", (0, 0, 40, 20)),  # fitted, enlarged
        ("wm:1:nowe/wms:0:5", (0, 0, 10, 5)),
        ("wm:1:nowe/wms:40:40", (0, 0, 40, 20)),
        ("wm:1:nowe/wms:500:500", (0, 0, 110, 55)),  # no larger than the image
        ("wm:1:nowe:0:0:0.5/wms:10:10", (0, 0, 55, 28)),  # the scale argument wins
        ("wm:1:nowe/wms:0:0", (0, 0, 20, 10)),
    ],
)
def test_watermark_size_fits_the_mark_into_a_box(path, box):
    rendered = im.decode(im.run(WHITE_110x90, path, with_mark()))
    assert marked_box(rendered) == box


@pytest.mark.parametrize(
    ("path", "box"),
    [
        ("wm:1:nowe/wmr:90", (0, 0, 10, 20)),
        ("wm:1:nowe/wm_rot:-90", (0, 0, 10, 20)),
        ("wm:1:soea/wmr:180", (90, 80, 20, 10)),
        ("wm:1:nowe/wmr:360", (0, 0, 20, 10)),
        ("wm:1:nowe/wms:40/wmr:45", (0, 0, 42, 42)),  # sized first, then turned
    ],
)
def test_watermark_rotate_turns_the_mark_clockwise(path, box):
    rendered = im.decode(im.run(WHITE_110x90, path, with_mark()))
    assert marked_box(rendered) == box


def test_watermark_rotate_is_clockwise():
    half_red = im.solid(20, 10, im.BLUE).insert(im.solid(10, 10, im.RED), 0, 0)
    turned = im.decode(im.run(WHITE_110x90, "wm:1:nowe/wmr:90", with_mark(half_red)))
    assert im.named(turned, 5, 5) == "red"  # the left half goes to the top
    assert im.named(turned, 5, 15) == "blue"


def test_an_odd_angle_leaves_the_corners_transparent():
    turned = im.decode(im.run(WHITE_110x90, "wm:1:nowe/wms:40/wmr:45", with_mark()))
    assert im.named(turned, 1, 1) == "white"
    assert im.named(turned, 21, 21) == "blue"


def test_chessboard_tiles_every_other_cell_with_one_in_the_centre():
    rendered = im.decode(im.run(WHITE_110x90, "wm:1:ch", with_mark()))
    tiled = im.decode(im.run(WHITE_110x90, "wm:1:re", with_mark()))
    assert im.named(rendered, 55, 45) == "blue"  # the centre cell
    assert im.named(rendered, 55 + 20, 45) == "white"  # its neighbours are empty
    assert im.named(rendered, 55, 45 + 10) == "white"
    assert im.named(rendered, 55 + 20, 45 + 10) == "blue"  # diagonal: a mark again
    assert im.share(rendered, im.BLUE) == pytest.approx(im.share(tiled, im.BLUE) / 2, abs=0.12)


def test_chessboard_spacing_pads_the_cells():
    spaced = im.decode(im.run(WHITE_110x90, "wm:1:ch:10:10", with_mark()))
    assert im.named(spaced, 55, 45) == "blue"
    assert im.named(spaced, 55 + 15, 45) == "white"  # in the padding or the empty cell


@pytest.mark.parametrize(
    ("path", "box"),
    [
        ("wm:1:ce/wmsh:2", (44, 38, 24, 14)),  # the mark stays centred; the shadow spreads
        ("wm:1:soea/wmsh:2", (88, 78, 22, 12)),  # clipped at the image's edges
        ("wm:1:ce/wmsh:0", (46, 40, 20, 10)),
    ],
)
def test_watermark_shadow_spreads_around_the_mark(path, box):
    assert marked_box(im.decode(im.run(WHITE_110x90, path, with_mark()))) == box


def test_watermark_shadow_is_dark_and_fades():
    rendered = im.decode(im.run(WHITE_110x90, "wm:1:ce/wmsh:3", with_mark()))
    assert im.named(rendered, 55, 45) == "blue"
    near, far = im.rgb(rendered, 44, 45)[0], im.rgb(rendered, 41, 45)[0]
    assert near < far < 255  # darker next to the mark, lighter further out


def test_watermark_shadow_counts_against_the_blur_budget():
    """The check before any pixel: a shadow as wide as an 8000x6000 result."""
    image = im.solid(8000, 6000, im.WHITE)
    options = im.PARSER.parse("wm:1:ce:0:0:1/wmsh:100/plain/local:///source").options
    job = Job(
        plan=make_plan(options, (8000, 6000)),
        options=options,
        output=ImageFormat.PNG,
        encoding=Encoding(80),
        watermark=BLUE_MARK,
    )
    with pytest.raises(WorkTooLarge) as caught:
        bound_work(image, job, Limits())
    assert caught.value.message == (
        "Expected watermark_shadow of at most 85.2 for a 8000x6000 result but received 100"
    )
    bound_work(image, replace(job, options=replace(options, watermark_shadow=85)), Limits())
