"""Which frames a sheet or an animation takes, and the size of each: arithmetic only."""

from __future__ import annotations

import pytest

from imgproxy.url.options import VideoAnimation, VideoTile
from transforms.video.errors import VideoError, VideoTooLarge
from transforms.video.series import (
    Box,
    Series,
    check_pixels,
    offset,
    scaled_size,
    series_of,
    series_size,
    tile_size,
)
from transforms.video.settings import NO_ANIMATION, NO_TILE, VideoDefaults, VideoLimits

ON = VideoDefaults(enabled=True, second=1.0)


def asked(
    tile: VideoTile = NO_TILE,
    animation: VideoAnimation = NO_ANIMATION,
    *,
    defaults: VideoDefaults = ON,
    max_pages: int = 0,
) -> VideoDefaults:
    return defaults.overridden(None, None, tile=tile, animation=animation, max_pages=max_pages)


@pytest.mark.parametrize(
    ("box", "scaled", "tile"),
    [
        (Box(80, 80), (80, 60), (80, 60)),  # fit: the narrower ratio
        (Box(80, 80, fill=True), (107, 80), (80, 80)),  # fill: the wider ratio, cut to the box
        (Box(80, 80, extend=True), (80, 60), (80, 80)),  # fit, then on black to the box
        (Box(0, 30), (40, 30), (40, 30)),  # one side follows the other
        (Box(0, 30, fill=True), (40, 30), (40, 30)),  # fill needs both sides
        (Box(0, 30, extend=True), (40, 30), (40, 30)),
        (Box(0, 0), (160, 120), (160, 120)),  # the frame's own size
        (Box(320, 320), (320, 240), (320, 240)),  # enlarged to fit
    ],
)
def test_a_160x120_frame_in_a_box(box: Box, scaled: tuple[int, int], tile: tuple[int, int]) -> None:
    assert scaled_size(160, 120, box) == scaled
    assert tile_size(160, 120, box) == tile


@pytest.mark.parametrize(
    ("scaled", "size", "focus", "start"),
    [
        (107, 80, 0.5, 14),
        (107, 80, 0.0, 0),
        (107, 80, 1.0, 27),
        (107, 80, 0.9, 27),  # never past the edge
        (60, 80, 0.0, -10),  # shorter: centred, whatever the focus
        (80, 80, 0.3, 0),
    ],
)
def test_where_a_cut_starts(scaled: int, size: int, focus: float, start: int) -> None:
    assert offset(scaled, size, focus) == start


def test_a_sheet_takes_a_frame_every_step_from_the_second() -> None:
    series = series_of(asked(VideoTile(0.5, 3, 2, 40, 30)), duration=10.0)
    assert series == Series((1.0, 1.5, 2.0, 2.5, 3.0, 3.5), Box(40, 30), trim=False, columns=3)
    assert series.rows == 2


def test_a_negative_step_spreads_the_duration_over_the_tiles_or_frames() -> None:
    tile = series_of(asked(VideoTile(-1, 2, 2, 40, 30), defaults=VideoDefaults(second=0)), 8.0)
    assert tile is not None
    assert tile.times == (0.0, 2.0, 4.0, 6.0)
    animation = series_of(asked(animation=VideoAnimation(-3, 50, 5, 40, 30)), 10.0)
    assert animation is not None
    assert (animation.times, animation.delay, animation.animated) == (
        (1.0, 3.0, 5.0, 7.0, 9.0),
        50,
        True,
    )


def test_a_negative_step_needs_the_duration() -> None:
    with pytest.raises(VideoError) as caught:
        series_of(asked(VideoTile(-1, 2, 2, 40, 30)), None)
    assert caught.value.message == "Source video duration is unknown"


@pytest.mark.parametrize(
    "tile",
    [VideoTile(0, 3, 3, 40, 30), VideoTile(1, 0, 3, 40, 30), VideoTile(1, 3, 0, 40, 30)],
)
def test_a_zero_step_columns_or_rows_is_one_frame(tile: VideoTile) -> None:
    assert series_of(asked(tile), 10.0) is None
    assert series_of(asked(animation=VideoAnimation(0, 100, 5, 40, 30)), 10.0) is None
    assert series_of(asked(animation=VideoAnimation(1, 100, 0, 40, 30)), 10.0) is None


def test_the_sheet_wins_over_the_animation() -> None:
    series = series_of(asked(VideoTile(1, 2, 1, 40, 30), VideoAnimation(1, 100, 5, 40, 30)), 10.0)
    assert series is not None
    assert not series.animated


def test_an_animation_stops_at_the_animation_frame_limit() -> None:
    series = series_of(asked(animation=VideoAnimation(1, 100, 10, 40, 30), max_pages=4), 20.0)
    assert series is not None
    assert len(series.times) == 4


def test_more_tiles_than_the_frame_limit_are_refused_before_any_decoding() -> None:
    defaults = VideoDefaults(enabled=True, limits=VideoLimits(max_frames=24))
    with pytest.raises(VideoError) as caught:
        series_of(asked(VideoTile(1, 5, 5, 40, 30), defaults=defaults), 60.0)
    assert (caught.value.message, caught.value.detail) == (
        "Too many video frames requested",
        "25 > 24",
    )
    with pytest.raises(VideoError):
        series_of(asked(VideoTile(1, 65535, 65535, 1, 1)), 60.0)


def test_trim_keeps_the_rows_and_columns_the_used_tiles_fill() -> None:
    trimmed = Series(tuple(range(9)), Box(40, 30), trim=True, columns=3)
    assert series_size(trimmed, (40, 30), 9) == (120, 90)
    assert series_size(trimmed, (40, 30), 4) == (120, 60)
    assert series_size(trimmed, (40, 30), 2) == (80, 30)
    kept = Series(tuple(range(9)), Box(40, 30), trim=False, columns=3)
    assert series_size(kept, (40, 30), 2) == (120, 90)


def test_the_whole_sheet_or_every_page_counts_against_the_pixel_limit() -> None:
    sheet = Series(tuple(range(9)), Box(40, 30), trim=False, columns=3)
    check_pixels(sheet, (40, 30), 120 * 90)
    with pytest.raises(VideoTooLarge):
        check_pixels(sheet, (40, 30), 120 * 90 - 1)
    animation = Series(tuple(range(5)), Box(40, 30), trim=False, columns=0)
    check_pixels(animation, (40, 30), 40 * 30 * 5)
    with pytest.raises(VideoTooLarge):
        check_pixels(animation, (40, 30), 40 * 30 * 5 - 1)
