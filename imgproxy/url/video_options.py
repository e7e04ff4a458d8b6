"""`video_thumbnail_tile` and `video_thumbnail_animation` (imgproxy Pro): read from a path,
written back into one, and spelled for the canonical form."""

from __future__ import annotations

from dataclasses import astuple

from imgproxy.url import args as a
from imgproxy.url import literals as lit
from imgproxy.url.options import Options, VideoAnimation, VideoTile
from imgproxy.url.records import replace
from imgproxy.url.writers import flag, number

MAX_STEP = 86400.0
"""Seconds between two frames, either way; a day is past any video the decoder accepts."""
OPTIONAL_DEFAULTS = ("0", "0", "0", "0.5", "0.5")
"""extend, trim, fill, focus_x, focus_y as written when left at their defaults."""


def _flag(name: str, values: list[str], at: int) -> bool:
    value = values[at] if at < len(values) else ""
    return a.boolean(name, value) if value else False


def _focus(name: str, values: list[str], at: int) -> float:
    value = values[at] if at < len(values) else ""
    return a.number(name, value, high=1.0) if value else 0.5


def _step(name: str, value: str) -> float:
    return a.number(f"{name} step", value, low=-MAX_STEP, high=MAX_STEP)


def _box_tail(name: str, values: list[str]) -> tuple[bool, bool, bool, float, float]:
    """The five optional arguments after the box, each blank for its default."""
    return (
        _flag(f"{name} extend", values, 5),
        _flag(f"{name} trim", values, 6),
        _flag(f"{name} fill", values, 7),
        _focus(f"{name} focus_x", values, 8),
        _focus(f"{name} focus_y", values, 9),
    )


def read_video_thumbnail_tile(options: Options, values: list[str]) -> Options:
    """`%step:%columns:%rows:%tile_width:%tile_height[:%extend_tile:%trim:%fill:%focus_x:%focus_y]`"""
    name = "video_thumbnail_tile"
    a.check_count(name, values, 10, 5)
    tile = VideoTile(
        _step(name, values[0]),
        a.integer(f"{name} columns", values[1]),
        a.integer(f"{name} rows", values[2]),
        a.integer(f"{name} tile_width", values[3]),
        a.integer(f"{name} tile_height", values[4]),
        *_box_tail(name, values),
    )
    return replace(options, video_thumbnail_tile=tile)


def read_video_thumbnail_animation(options: Options, values: list[str]) -> Options:
    """`%step:%delay:%frames:%frame_width:%frame_height[:%extend_frame:%trim:%fill:%focus_x:
    %focus_y]`"""
    name = "video_thumbnail_animation"
    a.check_count(name, values, 10, 5)
    animation = VideoAnimation(
        _step(name, values[0]),
        a.integer(f"{name} delay", values[1]),
        a.integer(f"{name} frames", values[2]),
        a.integer(f"{name} frame_width", values[3]),
        a.integer(f"{name} frame_height", values[4]),
        *_box_tail(name, values),
    )
    return replace(options, video_thumbnail_animation=animation)


def _args(value: VideoTile | VideoAnimation) -> list[str]:
    """The five required arguments, then the optional ones up to the last one off its default."""
    step, first, second, width, height, extend, trim, fill, focus_x, focus_y = astuple(value)
    head = [number(step), str(first), str(second), str(width), str(height)]
    tail = [flag(extend), flag(trim), flag(fill), number(focus_x), number(focus_y)]
    while tail and tail[-1] == OPTIONAL_DEFAULTS[len(tail) - 1]:
        tail.pop()
    return head + tail


def tile_args(value: VideoTile) -> list[str]:
    return _args(value)


def animation_args(value: VideoAnimation) -> list[str]:
    return _args(value)


TILE_FIELDS = ("step", "columns", "rows", "width", "height", "extend", "trim", "fill")
ANIMATION_FIELDS = ("step", "delay", "frames", "width", "height", "extend", "trim", "fill")
FOCUS_FIELDS = ("focus_x", "focus_y")


def tile_literal(value: VideoTile) -> str:
    return _literal("VideoTile", value, (*TILE_FIELDS, *FOCUS_FIELDS))


def animation_literal(value: VideoAnimation) -> str:
    return _literal("VideoAnimation", value, (*ANIMATION_FIELDS, *FOCUS_FIELDS))


def _literal(label: str, value: VideoTile | VideoAnimation, names: tuple[str, ...]) -> str:
    """Spelled field by field, so that a key moves only when this spelling does."""
    return lit.record(label, **{name: lit.scalar(getattr(value, name)) for name in names})
