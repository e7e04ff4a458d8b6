"""Sprite sheets (`video_thumbnail_tile`) from videos made here: each tile's colour says which
second it came from; and the limits around decoding several frames."""

from __future__ import annotations

import time

import pytest
import pyvips

from imgproxy.errors import SourceResolutionTooLarge, UndecodableSource
from imgproxy.url.options import VideoTile
from tests.transforms.video.making import MKV_MPEG4, MP4_H264, WEBM_VP9, Kind, colour_at, make_video
from tests.transforms.video.test_decode import BLUE, RED, halves, near
from transforms.sources import open_source
from transforms.video.settings import VideoDefaults, VideoLimits
from transforms.video.sniff import sniff
from transforms.video.source import VideoSource
from transforms.video.walk import walk_series

MAX_PIXELS = 1_000_000
BLACK = (0, 0, 0)


def sheet(
    data: bytes,
    tile: VideoTile,
    *,
    second: float = 0.0,
    max_pixels: int = MAX_PIXELS,
    **server: object,
) -> pyvips.Image:
    defaults = VideoDefaults(enabled=True, second=second, **server)  # type: ignore[arg-type]
    source = open_source(
        data, max_pixels=max_pixels, video=defaults.overridden(None, None, tile=tile)
    )
    assert isinstance(source, VideoSource)
    image = source.load()
    assert (source.info.width, source.info.height, source.info.pages) == (
        image.width,
        image.height,
        1,
    )
    return image


def cell(image: pyvips.Image, tile: tuple[int, int], column: int, row: int) -> tuple[int, ...]:
    """The colour at the centre of tile (column, row)."""
    x, y = tile[0] * column + tile[0] // 2, tile[1] * row + tile[1] // 2
    return tuple(round(value) for value in image.getpoint(x, y))


@pytest.mark.parametrize("kind", [MP4_H264, WEBM_VP9, MKV_MPEG4])
def test_tile_c_r_is_the_frame_at_the_second_plus_i_steps(kind: Kind) -> None:
    data = make_video(kind, seconds=9, keyframe_interval=10)
    image = sheet(data, VideoTile(1.5, 3, 2, 40, 30), second=0.5)
    assert (image.width, image.height) == (120, 60)
    for index in range(6):
        column, row = index % 3, index // 3
        assert near(cell(image, (40, 30), column, row), colour_at(0.5 + index * 1.5)), index


def test_a_negative_step_spreads_the_tiles_over_the_whole_video() -> None:
    data = make_video(MP4_H264, seconds=6)
    image = sheet(data, VideoTile(-1, 3, 2, 40, 30))
    for index in range(6):  # step 6 s / 6 tiles
        assert near(cell(image, (40, 30), index % 3, index // 3), colour_at(index)), index


def test_tiles_past_the_end_are_black_or_trimmed_away() -> None:
    data = make_video(MP4_H264, seconds=3)
    kept = sheet(data, VideoTile(1, 3, 3, 40, 30))
    assert (kept.width, kept.height) == (120, 90)
    assert [
        near(cell(kept, (40, 30), 0, 0), colour_at(0)),
        near(cell(kept, (40, 30), 2, 0), colour_at(2)),
    ] == [True, True]
    assert cell(kept, (40, 30), 0, 1) == BLACK
    assert cell(kept, (40, 30), 2, 2) == BLACK
    trimmed = sheet(data, VideoTile(1, 2, 3, 40, 30, trim=True))
    assert (trimmed.width, trimmed.height) == (80, 60)  # 3 tiles: two rows of two
    assert near(cell(trimmed, (40, 30), 0, 1), colour_at(2))
    assert cell(trimmed, (40, 30), 1, 1) == BLACK
    one_row = sheet(data, VideoTile(1, 5, 5, 40, 30, trim=True))
    assert (one_row.width, one_row.height) == (120, 30)


def test_a_second_past_the_end_still_gives_the_last_frame_in_the_first_tile() -> None:
    data = make_video(MP4_H264, seconds=3)
    image = sheet(data, VideoTile(1, 2, 1, 40, 30, trim=True), second=60)
    assert (image.width, image.height) == (40, 30)
    assert near(cell(image, (40, 30), 0, 0), colour_at(2.9))


def test_extend_centres_each_frame_on_black_in_the_box() -> None:
    data = make_video(MP4_H264, seconds=2)
    image = sheet(data, VideoTile(1, 2, 1, 40, 40, extend=True))
    assert (image.width, image.height) == (80, 40)
    assert tuple(round(v) for v in image.getpoint(60, 2)) == BLACK  # above the 40x30 frame
    assert near(cell(image, (40, 40), 1, 0), colour_at(1))


@pytest.mark.parametrize(("focus_x", "colour"), [(0.0, RED), (1.0, BLUE)])
def test_fill_cuts_each_frame_around_the_focus_point(
    focus_x: float, colour: tuple[int, int, int]
) -> None:
    image = sheet(halves(0), VideoTile(0.2, 2, 1, 20, 40, fill=True, focus_x=focus_x))
    assert (image.width, image.height) == (40, 40)
    assert near(cell(image, (20, 40), 0, 0), colour)
    assert near(cell(image, (20, 40), 1, 0), colour)


def test_a_sheet_is_decoded_in_one_forward_walk() -> None:
    data = make_video(MP4_H264, seconds=4, keyframe_interval=25)
    seconds = tuple(index * 0.1 for index in range(25))  # 5x5 at 0.1 s: frames 0..24
    walked = walk_series(
        data, sniff(data), VideoDefaults(), MAX_PIXELS, times=seconds, keep=lambda f: f.time
    )
    assert (walked.seeks, walked.decoded) == (1, 25)
    assert walked.kept == pytest.approx(seconds)


def test_a_walk_seeks_over_keyframes_between_wanted_times() -> None:
    data = make_video(WEBM_VP9, seconds=12, keyframe_interval=10)
    seconds = (1.0, 4.0, 7.0, 10.0)
    walked = walk_series(
        data, sniff(data), VideoDefaults(), MAX_PIXELS, times=seconds, keep=lambda f: f.time
    )
    assert (walked.seeks, walked.decoded) == (4, 4)  # each lands on its keyframe
    assert walked.kept == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("auto", "step", "colours"),
    [
        (False, 3.0, (0, 3, 6)),
        (True, 3.0, (0, 2, 5)),  # keyframes at 0, 2.5, 5: the ones at or before each time
        (True, 1.0, (0, 1, 2)),  # a step shorter than the keyframe interval stays exact
    ],
)
def test_auto_keyframes_takes_keyframes_when_the_step_is_longer_than_their_interval(
    auto: bool, step: float, colours: tuple[int, ...]
) -> None:
    data = make_video(MP4_H264, seconds=8, keyframe_interval=25)
    image = sheet(data, VideoTile(step, 3, 1, 40, 30), second=0.5, tile_auto_keyframes=auto)
    for column, second in enumerate(colours):
        assert near(cell(image, (40, 30), column, 0), colour_at(second)), column


def test_keyframes_take_the_keyframe_at_or_before_each_time() -> None:
    data = make_video(WEBM_VP9, seconds=8, keyframe_interval=25)
    image = sheet(data, VideoTile(1.0, 4, 1, 40, 30), second=2.0, keyframes=True)
    for column, second in enumerate((0, 2.5, 2.5, 5)):  # 2.0, 3.0, 4.0 and 5.0
        assert near(cell(image, (40, 30), column, 0), colour_at(second)), column


def test_every_frame_of_the_walk_counts_against_the_frame_limit() -> None:
    data = make_video(MP4_H264, seconds=6, keyframe_interval=100)
    limits = VideoLimits(max_frames=30)
    with pytest.raises(UndecodableSource) as caught:
        sheet(data, VideoTile(2.0, 3, 1, 40, 30), limits=limits)  # 0..4 s: 41 frames
    assert caught.value.detail == "frame limit reached"
    sheet(data, VideoTile(1.0, 3, 1, 40, 30), limits=limits)  # 0..2 s: 21 frames


def test_a_sheet_over_the_pixel_limit_is_refused_though_each_frame_fits() -> None:
    data = make_video(MP4_H264, seconds=2)
    with pytest.raises(SourceResolutionTooLarge) as caught:
        sheet(data, VideoTile(1, 4, 4, 160, 120), max_pixels=640 * 480 - 1)
    assert caught.value.message == "Source image resolution is too big"
    assert sheet(data, VideoTile(1, 4, 4, 160, 120), max_pixels=640 * 480).width == 640


def test_a_corrupt_video_with_a_sheet_is_a_quick_422() -> None:
    data = bytearray(make_video(MP4_H264, seconds=4, faststart=False))
    for at in range(len(data) // 3, len(data), 7):
        data[at] ^= 0x5A
    started = time.monotonic()
    with pytest.raises(UndecodableSource):
        sheet(bytes(data), VideoTile(0.5, 4, 2, 40, 30))
    assert time.monotonic() - started < 2.0
