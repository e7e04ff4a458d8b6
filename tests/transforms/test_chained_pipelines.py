"""Chained pipelines at pixel level: each pipeline plans and processes the previous one's
result; encoding settings are the URL's; the result-pixel and blur budgets are one per URL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from imgproxy.url.options import ImageFormat
from tests.transforms import images as im
from transforms.costs import MAX_BLUR_WORK, Spent, WorkTooLarge, blur_work, bound_work
from transforms.job import Encoding, Job
from transforms.limits import Limits
from transforms.plan import make_plan

# White 200x100 with a black 50x40 box at (60, 20).
FRAMED = im.framed(200, 100, (60, 20, 50, 40))


def test_a_chained_trim_trims_the_resized_result() -> None:
    """imgproxy's "fast trim" example: resize first, trim the small result."""
    resized = im.run(im.png(FRAMED), "rs:fit:100:50", extension="png")
    trimmed_after = im.run(resized.data, "t:10")
    chained = im.run(im.png(FRAMED), "rs:fit:100:50/-/t:10")
    assert (chained.width, chained.height) == (trimmed_after.width, trimmed_after.height)
    assert (chained.width, chained.height) != (100, 50)
    assert im.corners(im.decode(chained), inset=3) == ("black",) * 4


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("w:100/-/w:30", (30, 15)),
        ("w:100/-/rot:90", (50, 100)),
        ("w:100/-/pd:5", (110, 60)),
        ("w:100/-/c:20:10", (20, 10)),
        ("w:100/-", (100, 50)),
        ("-/w:100", (100, 50)),
        ("w:100/-/w:300", (100, 50)),  # no enlarging in the second pipeline either
        ("w:100/-/w:300/el:1", (300, 150)),
    ],
)
def test_each_pipeline_plans_on_the_previous_result(path: str, size: tuple[int, int]) -> None:
    rendered = im.run(im.png(FRAMED), path)
    assert (rendered.width, rendered.height) == size


def test_the_exif_orientation_is_applied_once() -> None:
    source = im.corpus("jpeg-exif-orientation-6.jpg")  # 1200x1800 stored, 1800x1200 upright
    rendered = im.run(source, "w:300/-/w:150")
    assert (rendered.width, rendered.height) == (150, 100)
    direct = im.decode(im.run(source, "w:150"))
    assert im.hamming(im.fingerprint(im.decode(rendered)), im.fingerprint(direct)) <= 4


def test_two_watermarks_through_two_pipelines() -> None:
    """imgproxy's "multiple watermarks" example, with the server's watermark twice."""
    settings = replace(im.defaults(), watermark=im.solid(10, 10, im.BLUE), watermark_opacity=1.0)
    white = im.png(im.solid(100, 100, im.WHITE))
    once = im.decode(im.run(white, "wm:1:nowe", settings))
    twice = im.decode(im.run(white, "wm:1:nowe/-/wm:1:soea", settings))
    assert im.named(once, 2, 2) == "blue"
    assert im.named(once, 97, 97) == "white"
    assert im.named(twice, 2, 2) == "blue"
    assert im.named(twice, 97, 97) == "blue"


def test_the_format_and_quality_are_the_urls() -> None:
    photo = im.corpus("jpeg-baseline-icc.jpg")
    low = im.run(photo, "w:200/-/q:10", extension="jpg")
    high = im.run(photo, "w:200/-/q:95", extension="jpg")
    assert low.format is ImageFormat.JPEG
    assert len(low.data) < len(high.data) / 2


def test_animation_frames_go_through_every_pipeline() -> None:
    settings = im.defaults(max_animation_frames=100)
    source = im.corpus("gif-animated-loop3.gif")
    chained = im.run(source, "w:50/-/w:20", settings)
    direct = im.run(source, "w:20", settings)
    frames = im.decode(chained, all_pages=True)
    assert chained.format is ImageFormat.GIF
    assert chained.width == 20
    assert frames.get("n-pages") == im.decode(direct, all_pages=True).get("n-pages") > 1
    assert frames.get("loop") == 3


def test_transparency_survives_into_the_next_pipeline() -> None:
    half = im.png(im.with_transparent_right(im.solid(100, 50, im.RED)))
    rendered = im.decode(im.run(half, "w:50/-/w:40", extension="png"))
    assert im.alpha(rendered, 2, 10) == 255
    assert im.alpha(rendered, 37, 10) == 0


def test_result_pixels_add_up_across_pipelines() -> None:
    source = im.png(FRAMED)
    budget = im.defaults(max_src_pixels=20_000)
    im.run(source, "w:150", budget)  # 11,250 pixels
    im.run(source, "w:140", budget)  # 9,800 pixels
    with pytest.raises(WorkTooLarge) as caught:
        im.run(source, "w:150/-/w:140", budget)
    assert caught.value.message == (
        "Expected a result of at most 0.02 MP but received 140x70 "
        "after 0.01125 MP in earlier pipelines"
    )
    assert caught.value.status == 422


def test_blur_work_adds_up_across_pipelines() -> None:
    """The check itself: a blur that fits the budget alone is refused once earlier pipelines
    took their share of it (rendering that share would take seconds)."""
    image = im.solid(2000, 2000, im.WHITE)
    options = im.PARSER.parse("bl:100/plain/local:///source").options
    plan = make_plan(options, (2000, 2000))
    job = Job(plan=plan, options=options, output=ImageFormat.PNG, encoding=Encoding(80))
    limits = Limits()
    alone = bound_work(image, job, limits)
    work = blur_work(100, 2000, 2000, 1, fast=True)
    assert alone == Spent(2000 * 2000, work)
    assert work < MAX_BLUR_WORK
    earlier = Spent(pixels=0, blur=MAX_BLUR_WORK - work / 2)
    with pytest.raises(WorkTooLarge, match=r"after the blurs of earlier pipelines$"):
        bound_work(image, job, limits, earlier)
