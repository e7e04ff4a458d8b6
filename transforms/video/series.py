"""Which frames a sprite sheet (`video_thumbnail_tile`) or an animation
(`video_thumbnail_animation`) takes from a video, and how large each is: arithmetic on the URL's
options and the video's header, before any frame is decoded."""

from __future__ import annotations

import math
from dataclasses import dataclass

from transforms.video.errors import VideoError, VideoTooLarge
from transforms.video.settings import VideoDefaults


@dataclass(frozen=True)
class Box:
    """What each frame is resized into; a side of 0 follows the other (both 0: the frame's
    own size)."""

    width: int
    height: int
    extend: bool = False
    fill: bool = False
    focus_x: float = 0.5
    focus_y: float = 0.5


@dataclass(frozen=True)
class Series:
    times: tuple[float, ...]
    """Seconds from the video's start, one per tile or animation frame."""
    box: Box
    trim: bool
    columns: int
    """Tiles per row; 0 for an animation."""
    delay: int = 0
    """Milliseconds each animation frame shows."""

    @property
    def animated(self) -> bool:
        return self.columns == 0

    @property
    def rows(self) -> int:
        return math.ceil(len(self.times) / self.columns) if self.columns else len(self.times)


def series_of(defaults: VideoDefaults, duration: float | None) -> Series | None:
    """The sheet the defaults ask for, else the animation, else None (one frame)."""
    tile, animation = defaults.tile, defaults.animation
    if tile.enabled:
        count, step = tile.columns * tile.rows, tile.step
        box = Box(tile.width, tile.height, tile.extend, tile.fill, tile.focus_x, tile.focus_y)
        trim, columns, delay = tile.trim, tile.columns, 0
    elif animation.enabled:
        count, step = animation.frames, animation.step
        box = Box(
            animation.width,
            animation.height,
            animation.extend,
            animation.fill,
            animation.focus_x,
            animation.focus_y,
        )
        trim, columns, delay = animation.trim, 0, animation.delay
    else:
        return None
    if step < 0:
        if duration is None:
            raise VideoError("Source video duration is unknown", "a negative step needs it")
        step = duration / count
    if defaults.max_pages and not columns:
        count = min(count, defaults.max_pages)
    if count > defaults.limits.max_frames:
        raise VideoError(
            "Too many video frames requested",
            f"{count} > {defaults.limits.max_frames}",
        )
    times = tuple(defaults.second + index * step for index in range(count))
    return Series(times, box, trim, columns, delay)


def scaled_size(width: int, height: int, box: Box) -> tuple[int, int]:
    """A `width` x `height` frame resized to fit the box, or to cover it with `fill`."""
    ratios = [ratio for ratio in (box.width / width, box.height / height) if ratio]
    if not ratios:
        return width, height
    ratio = max(ratios) if box.fill and len(ratios) == 2 else min(ratios)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def tile_size(width: int, height: int, box: Box) -> tuple[int, int]:
    """Each tile's (or animation frame's) size for a `width` x `height` video."""
    scaled = scaled_size(width, height, box)
    if box.fill and box.width and box.height:
        return box.width, box.height
    if box.extend:
        return box.width or scaled[0], box.height or scaled[1]
    return scaled


def offset(scaled: int, size: int, focus: float) -> int:
    """Where a `size` cut of a `scaled` side starts, around `focus` (0..1) of it; negative
    when the side is shorter and centred instead."""
    if scaled <= size:
        return -((size - scaled) // 2)
    return min(max(0, round(scaled * focus - size / 2)), scaled - size)


def series_size(series: Series, tile: tuple[int, int], used: int) -> tuple[int, int]:
    """The sheet's size (a tile per cell; with `trim`, only as many rows and columns as the
    `used` tiles fill), or one animation frame's."""
    if series.animated:
        return tile
    columns, rows = series.columns, series.rows
    if series.trim:
        columns, rows = min(series.columns, used), math.ceil(used / series.columns)
    return tile[0] * columns, tile[1] * rows


def check_pixels(series: Series, tile: tuple[int, int], max_pixels: int) -> None:
    """The whole sheet, or every frame of the animation, within the pixel limit."""
    width, height = series_size(series, tile, len(series.times))
    pages = len(series.times) if series.animated else 1
    if max_pixels and width * height * pages > max_pixels:
        raise VideoTooLarge(
            "Source image resolution is too big", f"video series {width}x{height}x{pages}"
        )
