"""Animation, pages and source limits: max_animation_frames, page, max_src_resolution,
max_animation_frame_resolution.

imgproxy (processing/processing.go, security/checker.go): animations stay animated only when
max_animation_frames > 1 and the output can animate (GIF, WebP); every frame gets the whole
pipeline; loop and per-frame delays are kept (cut to the frames used). The resolution check
counts width * height * frames against max_src_resolution, unless
max_animation_frame_resolution is set for an animation, which then limits one frame.
`page` is ignored when both source and result can animate (docs: usage/processing#page).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UnprocessableSource
from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.pipeline import Rendered

COLOURS = [im.RED, im.GREEN, im.BLUE, im.WHITE, im.BLACK]
NAMES = ["red", "green", "blue", "white", "black"]
DELAYS = [100, 200, 300, 400, 500]
FRAMES = im.frames_image(COLOURS, 40, 30, DELAYS, loop=7)
SOURCES = {"gif": im.encode(FRAMES, "gif"), "webp": im.encode(FRAMES, "webp")}


def pages(rendered: Rendered) -> list[pyvips.Image]:
    image = im.decode(rendered, all_pages=True)
    height = image.get("page-height") if image.get_typeof("page-height") else image.height
    return [image.crop(0, top, image.width, height) for top in range(0, image.height, height)]


def colours(rendered: Rendered) -> list[str]:
    return [im.named(page, page.width // 2, page.height // 2) for page in pages(rendered)]


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("extension", ["", "gif", "webp"])
def test_animation_is_kept_with_frames_delays_and_loop(source, extension):
    rendered = im.run(SOURCES[source], "maf:10", extension=extension)
    assert rendered.format is ImageFormat(extension or source)
    assert (rendered.width, rendered.height) == (40, 30)
    image = im.decode(rendered, all_pages=True)
    assert image.get("n-pages") == 5
    assert image.get("page-height") == 30
    assert image.get("loop") == 7
    assert list(image.get("delay")) == DELAYS
    assert colours(rendered) == NAMES


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_default_max_animation_frames_gives_the_first_frame(source):
    rendered = im.run(SOURCES[source], "")
    image = im.decode(rendered, all_pages=True)
    assert (image.width, image.height) == (40, 30)
    assert colours(rendered) == ["red"]


@pytest.mark.parametrize(
    ("name", "size"),
    [("gif-animated-30frames.gif", (80, 80)), ("webp-animated-loop3.webp", (370, 285))],
)
def test_corpus_animations_give_one_frame_by_default(name, size):
    rendered = im.run(im.corpus(name), "")
    image = im.decode(rendered, all_pages=True)
    assert (image.width, image.height) == size
    assert not image.get_typeof("n-pages") or image.get("n-pages") == 1


def test_max_animation_frames_cuts_frames_and_delays():
    rendered = im.run(SOURCES["gif"], "maf:3")
    assert colours(rendered) == ["red", "green", "blue"]
    assert list(im.decode(rendered, all_pages=True).get("delay")) == DELAYS[:3]
    server = replace(im.defaults(), limits=replace(im.defaults().limits, max_animation_frames=2))
    assert colours(im.run(SOURCES["webp"], "", server)) == ["red", "green"]


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("maf:10/w:20", (20, 15)),
        ("maf:10/rot:90", (30, 40)),
        ("maf:10/c:20:10:nowe", (20, 10)),
        ("maf:10/rs:fill:20:20", (20, 20)),
        ("maf:10/pd:5/bg:ff00ff", (50, 40)),
        ("maf:10/bl:2", (40, 30)),
    ],
)
def test_every_frame_goes_through_the_pipeline(path, size):
    rendered = im.run(SOURCES["webp"], path)
    frames = pages(rendered)
    assert (rendered.width, rendered.height) == size
    assert [(frame.width, frame.height) for frame in frames] == [size] * 5
    assert colours(rendered) == NAMES


def test_watermark_lands_on_every_frame():
    server = replace(im.defaults(), watermark=im.solid(10, 10, (255, 0, 255)))
    rendered = im.run(SOURCES["gif"], "maf:10/wm:1:nowe", server)
    for frame in pages(rendered):
        assert im.close(im.rgb(frame, 4, 4), (255, 0, 255), tolerance=12)
    assert colours(rendered) == NAMES


@pytest.mark.parametrize("extension", ["png", "jpg"])
def test_still_output_takes_the_first_frame(extension):
    rendered = im.run(SOURCES["gif"], "maf:10/w:20", extension=extension)
    image = im.decode(rendered)
    assert (image.width, image.height) == (20, 15)
    assert im.named(image, 10, 7) == "red"


@pytest.mark.parametrize("name", ["gif-animated-loop3.gif", "webp-animated-loop3.webp"])
@pytest.mark.parametrize("extension", ["gif", "webp"])
def test_corpus_animations_keep_loop_and_delays(name, extension):
    data = im.corpus(name)
    source = im.decode(data, all_pages=True)
    rendered = im.run(data, "maf:100/w:40", extension=extension)
    image = im.decode(rendered, all_pages=True)
    assert (rendered.width, rendered.height) == (40, 31)
    assert image.get("n-pages") == 10
    assert image.get("page-height") == 31
    assert image.get("loop") == 3
    assert list(image.get("delay")) == list(source.get("delay"))


def test_corpus_gif_keeps_its_running_time():
    data = im.corpus("gif-animated-30frames.gif")
    rendered = im.run(data, "maf:100/w:40", extension="webp")
    image = im.decode(rendered, all_pages=True)
    assert image.get("page-height") == 40
    assert image.get("n-pages") > 1  # encoders may merge identical frames...
    assert sum(image.get("delay")) == sum(im.decode(data, all_pages=True).get("delay"))


def test_page_picks_one_frame_or_tiff_page():
    assert colours(im.run(SOURCES["gif"], "pg:2")) == ["blue"]
    tiff = im.corpus("tiff-multipage.tiff")
    firsts = [im.decode(im.run(tiff, f"pg:{page}")) for page in range(3)]
    assert [im.named(page, 5, 5) for page in firsts] == ["green", "red", "blue"]
    assert (firsts[2].width, firsts[2].height) == (20, 20)


@pytest.mark.parametrize(
    ("data", "page"), [(SOURCES["gif"], 5), (im.corpus("tiff-multipage.tiff"), 3)]
)
def test_page_beyond_the_count_is_unprocessable(data, page):
    with pytest.raises(UnprocessableSource) as caught:
        im.run(data, f"pg:{page}")
    assert caught.value.status == 422
    assert caught.value.message == f"Page {page} does not exist"


def test_page_is_ignored_when_the_result_stays_animated():
    rendered = im.run(SOURCES["gif"], "maf:10/pg:2")
    assert colours(rendered) == NAMES


QUAD = im.png(im.quadrants())  # 20,000 pixels


@pytest.mark.parametrize(
    ("data", "path", "limit", "fails"),
    [
        (QUAD, "msr:0.02", 0, False),
        (QUAD, "msr:0.019", 0, True),
        (QUAD, "", 19_999, True),
        (QUAD, "", 20_000, False),
        (SOURCES["gif"], "msr:0.0012", 0, False),  # one frame of 1,200 pixels
        (SOURCES["gif"], "msr:0.0011", 0, True),
        (SOURCES["gif"], "maf:10/msr:0.006", 0, False),  # five frames: 6,000 pixels
        (SOURCES["gif"], "maf:10/msr:0.005", 0, True),
        (SOURCES["gif"], "maf:3/msr:0.0036", 0, False),
        (SOURCES["gif"], "maf:3/msr:0.0035", 0, True),
        (SOURCES["gif"], "maf:10/mafr:0.0012/msr:0.001", 0, False),  # per frame only
        (SOURCES["gif"], "maf:10/mafr:0.0011@png", 0, False),  # a still: mafr is out of play
        (im.corpus("gif-1024-frames.gif"), "maf:2000/msr:0.001", 0, True),  # 1,024 1x1 frames
        (im.corpus("gif-1024-frames.gif"), "msr:0.001", 0, False),
    ],
)
def test_max_src_resolution_counts_every_frame(data, path, limit, fails):
    path, _, extension = path.partition("@")
    server = im.defaults(max_src_pixels=limit) if limit else im.defaults()
    if not fails:
        rendered = im.run(data, path, server, extension=extension)
        assert rendered.width > 0
        return
    with pytest.raises(SourceResolutionTooLarge) as caught:
        im.run(data, path, server, extension=extension)
    assert caught.value.status == 422
    assert caught.value.message == "Source image resolution is too big"


def test_max_animation_frame_resolution_limits_each_frame():
    with pytest.raises(SourceResolutionTooLarge) as caught:
        im.run(SOURCES["gif"], "maf:10/mafr:0.0011")
    assert caught.value.status == 422
    assert caught.value.message == "Source image frame resolution is too big"
