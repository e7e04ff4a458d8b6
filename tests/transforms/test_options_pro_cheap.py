"""imgproxy Pro's `crop_aspect_ratio`, `pages`, `disable_animation` and `adjust` at pixel level,
on synthetic pictures and the corpus' 3-page TIFF (10x10 green, 10x10 red, 20x20 blue) and
10-frame WebP (370x285)."""

from __future__ import annotations

import pytest

from imgproxy.errors import SourceResolutionTooLarge, UnprocessableSource
from imgproxy.url.options import ImageFormat
from tests.transforms import images as im

TIFF = im.corpus("tiff-multipage.tiff")
WEBP = im.corpus("webp-animated-loop3.webp")
ANIMATING = im.defaults(max_animation_frames=10)
# 400x300: red left half, blue right half; a 100x100 green square at the top-left corner.
HALVES = (
    im.solid(200, 300, im.RED)
    .join(im.solid(200, 300, im.BLUE), "horizontal")
    .insert(im.solid(100, 100, im.GREEN), 0, 0)
)


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("c:100:200:nowe", (100, 200)),
        ("c:100:200:nowe/car:1", (100, 100)),
        ("c:100:200:nowe/car:1:1", (200, 200)),
        ("c:100:200:nowe/car:0.25", (50, 200)),
        ("c:100:200:nowe/car:0.25:1", (75, 300)),  # grown to 100x400, then fit to the image
        ("c:300:100:nowe/car:2:1", (300, 150)),
        ("c:300:100:nowe/car:4:1", (400, 100)),
        ("c:300:0:nowe/car:1", (300, 300)),  # 0: the whole height
        ("car:1", (400, 300)),  # no crop, nothing to correct
    ],
)
def test_crop_aspect_ratio_corrects_the_crop_area(path: str, size: tuple[int, int]) -> None:
    rendered = im.run(im.png(HALVES), path)
    assert (rendered.width, rendered.height) == size


def test_crop_aspect_ratio_keeps_the_crop_gravity() -> None:
    """imgproxy's note: the area is corrected, the gravity is not (`nowe` stays the corner)."""
    corner = im.decode(im.run(im.png(HALVES), "c:200:100:nowe/car:1"))
    assert (corner.width, corner.height) == (100, 100)
    assert im.named(corner, 50, 50) == "green"
    centred = im.decode(im.run(im.png(HALVES), "c:200:100:ce/car:1"))
    assert im.named(centred, 20, 50) == "red"
    assert im.named(centred, 80, 50) == "blue"


@pytest.mark.parametrize(
    ("path", "size", "edge"),
    [
        ("c:200:100:fp:0.45:0.5/car:1", (100, 100), 70),  # x 130..230 about 180
        ("c:100:50:fp:0.45:0.5/car:1:1", (100, 100), 70),
        ("c:200:100:fp:0.45:0.5/car:1:1", (200, 200), 120),  # x 80..280
        ("c:0.5:0.5:fp:0.45:0.5/car:1", (150, 150), 95),  # 200x150 relative, x 105..255
    ],
)
def test_crop_aspect_ratio_with_a_focus_point_keeps_the_centre(
    path: str, size: tuple[int, int], edge: int
) -> None:
    """With `fp` the area is placed by its centre, so the corrected area keeps it; `edge` is
    the column where red turns blue (x = 200 in the source)."""
    image = im.decode(im.run(im.png(HALVES), path))
    assert (image.width, image.height) == size
    middle = image.height // 2
    assert (im.named(image, edge - 1, middle), im.named(image, edge, middle)) == ("red", "blue")


def test_crop_aspect_ratio_then_resizes() -> None:
    rendered = im.run(im.png(HALVES), "c:200:100:nowe/car:1:1/w:50")
    assert (rendered.width, rendered.height) == (50, 50)


@pytest.mark.parametrize(
    ("path", "size", "top", "bottom"),
    [
        ("pgs:1", (10, 10), "green", "green"),
        ("pgs:2", (10, 20), "green", "red"),
        ("pg:1/pgs:2", (20, 30), "red", "blue"),
        ("pgs:3", (20, 40), "green", "blue"),
        ("pg:2/pgs:5", (20, 20), "blue", "blue"),  # pages past the last are left out
    ],
)
def test_pages_stack_top_to_bottom(path: str, size: tuple[int, int], top: str, bottom: str) -> None:
    image = im.decode(im.run(TIFF, path, extension="png"))
    assert (image.width, image.height) == size
    assert im.named(image, 2, 2) == top
    assert im.named(image, 2, image.height - 3) == bottom


def test_narrower_pages_are_left_aligned_on_transparency() -> None:
    image = im.decode(im.run(TIFF, "pg:1/pgs:2", extension="png"))
    assert im.alpha(image, 15, 5) == 0  # right of the 10 px red page
    assert im.alpha(image, 5, 5) == 255
    assert im.alpha(image, 15, 25) == 255  # the 20 px blue page below
    flat = im.decode(im.run(TIFF, "pg:1/pgs:2/bg:ffffff", extension="jpg"))
    assert im.named(flat, 15, 5) == "white"


def test_a_first_page_past_the_end_is_still_refused() -> None:
    with pytest.raises(UnprocessableSource) as caught:
        im.run(TIFF, "pg:3/pgs:2")
    assert caught.value.message == "Page 3 does not exist"


def test_stacked_pages_count_against_the_resolution_limit() -> None:
    im.run(TIFF, "pgs:2", im.defaults(max_src_pixels=250))  # 10x20
    with pytest.raises(SourceResolutionTooLarge):
        im.run(TIFF, "pgs:3", im.defaults(max_src_pixels=250))  # 20x40


@pytest.mark.parametrize(
    ("path", "frames", "height"),
    [
        ("", 10, 285),
        ("da:0", 10, 285),
        ("pgs:2", 10, 285),  # an animated result ignores pages, as imgproxy does
        ("da:1", 1, 285),
        ("da:1/pgs:2", 1, 570),
        ("da:1/pg:9/pgs:4", 1, 285),
    ],
)
def test_disable_animation_makes_a_still_of_page_and_pages(
    path: str, frames: int, height: int
) -> None:
    rendered = im.run(WEBP, path, ANIMATING)
    image = im.decode(rendered, all_pages=True)
    pages = image.get("n-pages") if image.get_typeof("n-pages") else 1
    assert rendered.format is ImageFormat.WEBP
    assert pages == frames
    assert rendered.height == height


def test_disable_animation_picks_the_page_asked_for() -> None:
    first = im.decode(im.run(WEBP, "da:1", ANIMATING))
    later = im.decode(im.run(WEBP, "da:1/pg:5", ANIMATING))
    direct = im.decode(im.run(WEBP, "pg:5"))  # without animation allowed, page 5 alone
    assert im.mean_abs_difference(later, direct) < 1
    assert im.mean_abs_difference(first, later) > 1


def test_disable_animation_gives_one_frame_of_an_animated_gif() -> None:
    gif = im.corpus("gif-animated-loop3.gif")
    animated = im.decode(im.run(gif, "", ANIMATING), all_pages=True)
    still = im.decode(im.run(gif, "da:1", ANIMATING), all_pages=True)
    assert animated.get("n-pages") > 1
    assert not still.get_typeof("n-pages") or still.get("n-pages") == 1


def test_adjust_equals_its_three_options() -> None:
    photo = im.corpus("jpeg-baseline-icc.jpg")
    adjusted = im.decode(im.run(photo, "w:100/a:20:1.3:0.5", extension="png"))
    separate = im.decode(im.run(photo, "w:100/br:20/co:1.3/sa:0.5", extension="png"))
    plain = im.decode(im.run(photo, "w:100", extension="png"))
    assert im.mean_abs_difference(adjusted, separate) == 0
    assert im.mean_abs_difference(adjusted, plain) > 5
