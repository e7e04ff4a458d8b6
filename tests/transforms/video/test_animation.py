"""Animations (`video_thumbnail_animation`) from videos made here, as the pipeline sees them:
an animated source whose pages are the frames `step` seconds apart, and through `render`."""

from __future__ import annotations

from dataclasses import replace

import pytest
import pyvips

from imgproxy.url.options import ImageFormat, VideoAnimation
from tests.transforms.images import decode, defaults, run
from tests.transforms.video.making import MP4_H264, WEBM_VP8, Kind, colour_at, make_video
from tests.transforms.video.test_decode import near
from transforms.pipeline import Rendered
from transforms.sources import open_source
from transforms.video.settings import VideoDefaults
from transforms.video.source import VideoSource

MAX_PIXELS = 1_000_000
BLACK = (0, 0, 0)


def animation(
    data: bytes, asked: VideoAnimation, *, second: float = 0.0, max_pages: int = 0
) -> VideoSource:
    defaults = VideoDefaults(enabled=True, second=second)
    video = defaults.overridden(None, None, animation=asked, max_pages=max_pages)
    source = open_source(data, max_pixels=MAX_PIXELS, video=video)
    assert isinstance(source, VideoSource)
    return source


def page_colour(image: pyvips.Image, page: int) -> tuple[int, ...]:
    height = int(image.get("page-height"))
    return tuple(round(v) for v in image.getpoint(image.width // 2, page * height + height // 2))


@pytest.mark.parametrize("kind", [MP4_H264, WEBM_VP8])
def test_each_page_is_the_frame_a_step_later_shown_for_the_delay(kind: Kind) -> None:
    source = animation(make_video(kind, seconds=6), VideoAnimation(1.5, 120, 4, 80, 0), second=0.5)
    assert (source.info.pages, source.info.width, source.info.height) == (4, 80, 60)
    image = source.load(page=0, frames=4)
    assert (image.width, image.height, image.get("page-height")) == (80, 240, 60)
    assert list(image.get("delay")) == [120] * 4
    assert image.get("loop") == 0
    for page in range(4):
        assert near(page_colour(image, page), colour_at(0.5 + page * 1.5)), page


def test_one_page_loads_as_a_still() -> None:
    source = animation(make_video(MP4_H264, seconds=3), VideoAnimation(1, 100, 3, 40, 30))
    image = source.load(page=2)
    assert (image.width, image.height) == (40, 30)
    assert not image.get_typeof("page-height")
    assert near(tuple(round(v) for v in image.getpoint(20, 15)), colour_at(2))


def test_frames_past_the_end_are_black_or_left_out_with_trim() -> None:
    data = make_video(MP4_H264, seconds=3)
    kept = animation(data, VideoAnimation(1, 100, 5, 40, 30))
    assert kept.info.pages == 5
    image = kept.load(frames=5)
    assert [page_colour(image, page) for page in (3, 4)] == [BLACK, BLACK]
    trimmed = animation(data, VideoAnimation(1, 100, 5, 40, 30, trim=True))
    assert trimmed.info.pages == 3
    assert near(page_colour(trimmed.load(frames=3), 2), colour_at(2))


def test_a_negative_step_spreads_the_frames_over_the_video() -> None:
    source = animation(make_video(MP4_H264, seconds=6), VideoAnimation(-1, 100, 3, 40, 30))
    image = source.load(frames=3)
    for page, second in enumerate((0, 2, 4)):
        assert near(page_colour(image, page), colour_at(second)), page


def test_frames_past_the_animation_frame_limit_are_not_decoded() -> None:
    source = animation(
        make_video(MP4_H264, seconds=6), VideoAnimation(1, 100, 6, 40, 30), max_pages=2
    )
    assert source.info.pages == 2


def rendered(path: str, extension: str = "", max_animation_frames: int = 10) -> Rendered:
    server = defaults(max_animation_frames=max_animation_frames)
    server = replace(server, video=VideoDefaults(enabled=True, second=0.0))
    return run(make_video(MP4_H264, seconds=4), path, server, extension=extension)


ASKED = "vta:1:250:4:80:60"


def test_the_animation_renders_as_an_animated_webp() -> None:
    result = rendered(f"{ASKED}/w:40", "webp")
    image = decode(result, all_pages=True)
    assert (image.get("n-pages"), image.width, image.get("page-height")) == (4, 40, 30)
    assert list(image.get("delay")) == [250] * 4
    for page in range(4):
        assert near(page_colour(image, page), colour_at(page)), page


@pytest.mark.parametrize(("extension", "limit"), [("jpg", 10), ("webp", 1)])
def test_a_still_of_the_animation_is_its_first_frame(extension: str, limit: int) -> None:
    image = decode(rendered(ASKED, extension, max_animation_frames=limit), all_pages=True)
    assert (image.width, image.height) == (80, 60)
    assert near(tuple(round(v) for v in image.getpoint(40, 30)), colour_at(0))


def test_without_a_format_the_animation_answers_gif() -> None:
    result = rendered(ASKED)
    assert result.format is ImageFormat.GIF
    assert decode(result, all_pages=True).get("n-pages") == 4
