"""`pages` and `disable_animation` (imgproxy Pro) at pixel level: an animation's frames stacked
from one load, TIFF pages of different sizes loaded one by one (in order, left-aligned, however
many), the bound on those loads, and the resolution limit on the stack."""

from __future__ import annotations

import io

import pytest
import pyvips
from PIL import Image

from imgproxy.errors import SourceResolutionTooLarge, UnprocessableSource
from imgproxy.url.options import ImageFormat, Options
from tests.transforms import images as im
from transforms.pages import MAX_PAGE_READS, stacked_pages
from transforms.sources import open_source

GIF = im.corpus("gif-animated-loop3.gif")  # 370x285, 3+ frames
WEBP = im.corpus("webp-animated-loop3.webp")  # 370x285, 10 frames
ANIMATING = im.defaults(max_animation_frames=10)
WIDTHS = (2, 3, 4)


def tiff_of_rows(count: int) -> bytes:
    """`count` pages, one pixel high: page i is `WIDTHS[i % 3]` wide, of red value `4 * i`."""
    pages = [Image.new("RGB", (WIDTHS[index % 3], 1), (4 * index, 0, 0)) for index in range(count)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def tiff_of_squares(count: int) -> bytes:
    """`count` pages of 2x2, of one size, from libvips."""
    strip = im.solid(2, 2 * count, im.RED).copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", 2)
    return bytes(strip.tiffsave_buffer())


def frames(rendered: im.Rendered) -> int:
    image = im.decode(rendered, all_pages=True)
    return int(image.get("n-pages")) if image.get_typeof("n-pages") else 1


def test_pages_of_different_widths_stack_in_order_and_left_aligned() -> None:
    image = im.decode(im.run(tiff_of_rows(61), "pgs:61", extension="png"))
    assert (image.width, image.height) == (4, 61)
    for row in range(61):
        assert im.pixel(image, 0, row)[0] == 4 * row, row
        width = WIDTHS[row % 3]
        assert im.alpha(image, width - 1, row) == 255, row
        if width < 4:
            assert im.alpha(image, width, row) == 0, row


def test_pages_from_a_later_page_and_past_the_end() -> None:
    image = im.decode(im.run(tiff_of_rows(10), "pg:7/pgs:9", extension="png"))
    assert image.height == 3  # pages 7, 8 and 9: what exists
    assert [im.pixel(image, 0, row)[0] for row in range(3)] == [28, 32, 36]


@pytest.mark.parametrize(
    ("pages", "path", "height"),
    [
        (101, "pgs:99", 198),  # 99 x 101 page reads: within the bound
        (101, "pg:50/pgs:99", 102),  # the 51 pages that exist from page 50
        (MAX_PAGE_READS, "pgs:1", 2),  # one page needs no stacking
    ],
)
def test_pages_loaded_one_by_one_within_the_bound(pages: int, path: str, height: int) -> None:
    rendered = im.run(tiff_of_squares(pages), path, extension="png")
    assert (rendered.width, rendered.height) == (2, height)


@pytest.mark.parametrize(
    ("pages", "path", "message"),
    [
        (101, "pgs:100", "Too many pages to stack: at most 99 of this source's 101"),
        (101, "pgs:10000", "Too many pages to stack: at most 99 of this source's 101"),
        (20_001, "pgs:2", "Too many pages to stack: at most 1 of this source's 20001"),
    ],
)
def test_pages_loaded_one_by_one_over_the_bound(pages: int, path: str, message: str) -> None:
    with pytest.raises(UnprocessableSource) as caught:
        im.run(tiff_of_squares(pages), path, extension="png")
    assert (caught.value.status, caught.value.message) == (422, message)


def test_stacked_frames_are_the_frames_one_by_one() -> None:
    stacked = im.decode(im.run(GIF, "da:1/pgs:3", ANIMATING, extension="png"))
    assert (stacked.width, stacked.height) == (370, 855)
    for index in range(3):
        alone = im.decode(im.run(GIF, f"da:1/pg:{index}", ANIMATING, extension="png"))
        part = stacked.crop(0, 285 * index, 370, 285)
        assert im.mean_abs_difference(part, alone) == 0, index


def test_many_frames_stack_in_one_load() -> None:
    bomb = im.corpus("gif-1024-frames.gif")  # 1x1, 1024 frames
    for path in ("pgs:1024", "da:1/pgs:10000"):
        rendered = im.run(bomb, path, extension="png")
        assert (rendered.width, rendered.height) == (1, 1024), path


@pytest.mark.parametrize(
    ("source", "path", "output", "height"),
    [
        (GIF, "da:1/pgs:3", ImageFormat.GIF, 855),
        (WEBP, "da:1/pgs:4", ImageFormat.WEBP, 1140),
        (WEBP, "da:t/pg:8/pgs:4", ImageFormat.WEBP, 570),  # frames 8 and 9
    ],
)
def test_stacked_frames_are_one_still_in_a_format_that_animates(
    source: bytes, path: str, output: ImageFormat, height: int
) -> None:
    rendered = im.run(source, path, ANIMATING, extension=output.extension)
    assert rendered.format is output
    assert (rendered.height, frames(rendered)) == (height, 1)


def test_without_animation_allowed_frames_stack_without_disable_animation() -> None:
    rendered = im.run(GIF, "pgs:2")  # IMGPROXY_MAX_ANIMATION_FRAMES=1: never animated
    assert (rendered.height, frames(rendered)) == (570, 1)


def test_stacked_frames_shrink_on_load() -> None:
    stacked = im.decode(im.run(WEBP, "da:1/pgs:2/w:185", ANIMATING, extension="png"))
    assert (stacked.width, stacked.height) == (185, 285)
    whole = im.decode(im.run(WEBP, "da:1/pgs:2", ANIMATING, extension="png"))
    assert im.mean_abs_difference(stacked, whole.resize(0.5)) < 3


def test_stacked_frames_count_against_the_resolution_limit() -> None:
    limited = im.defaults(max_animation_frames=10, max_src_pixels=300_000)
    assert im.run(GIF, "da:1/pgs:2", limited).height == 570  # 370x570: 210,900 px
    with pytest.raises(SourceResolutionTooLarge):
        im.run(GIF, "da:1/pgs:3", limited)  # 370x855: 316,350 px


@pytest.mark.parametrize("name", ["tiff-multipage.tiff", "gif-animated-loop3.gif"])
@pytest.mark.parametrize("options", [Options(), Options(page=1), Options(page=2, pages=1)])
def test_one_page_is_the_source_itself(name: str, options: Options) -> None:
    """`pages` at its default adds no load: the source is handed on as it is."""
    source = open_source(im.corpus(name), max_pixels=0)
    assert stacked_pages(source, options, frames=1) is source


def test_an_animated_result_is_the_source_itself() -> None:
    source = open_source(WEBP, max_pixels=0)
    assert stacked_pages(source, Options(pages=5), frames=10) is source
