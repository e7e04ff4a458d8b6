"""Readers of the info options' path arguments, one per option, onto `InfoOptions`; each
failure an `ArgumentError` with the message format of every option."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imgproxy.url import args as a
from imgproxy.url import delivery_options as d
from imgproxy.url import geometry_options as g
from imgproxy.url.hashsums import HASHSUMS, read_expected_hashsum
from imgproxy.url.info_options import (
    MAX_BLURHASH_COMPONENTS,
    MAX_PALETTE_COLORS,
    MIN_PALETTE_COLORS,
    InfoOptions,
)
from imgproxy.url.options import DEFAULT_OPTIONS, Gravity
from imgproxy.url.records import replace

Reader = Callable[[InfoOptions, list[str]], InfoOptions]


class UnsupportedInfoOption(a.ArgumentError):
    """A documented info option, or one of its values, that this server does not provide."""


def single(name: str, values: list[str]) -> str:
    a.check_count(name, values, 1)
    return values[0]


def flag(name: str, default: bool) -> Reader:
    """`name:%bool`."""

    def read(options: InfoOptions, values: list[str]) -> InfoOptions:
        value = single(name, values)
        change: dict[str, Any] = {name: a.boolean(name, value) if value else default}
        return replace(options, **change)

    return read


def flag_pair(name: str, second: str, defaults: tuple[bool, bool]) -> Reader:
    """`name:%bool:%bool`, the second optional (its field is `second`)."""

    def read(options: InfoOptions, values: list[str]) -> InfoOptions:
        a.check_count(name, values, 2)
        first = a.boolean(name, values[0]) if values[0] else defaults[0]
        other = a.boolean(name, values[1]) if len(values) > 1 and values[1] else defaults[1]
        change: dict[str, Any] = {name: first, second: other}
        return replace(options, **change)

    return read


def refused_when_on(name: str, reason: str) -> Reader:
    """A documented boolean option this server cannot honour: off is accepted, on refused."""

    def read(options: InfoOptions, values: list[str]) -> InfoOptions:
        if a.boolean(name, single(name, values)):
            raise UnsupportedInfoOption(f"Info option {name} is not supported: {reason}")
        return options

    return read


def read_classify(options: InfoOptions, values: list[str]) -> InfoOptions:
    if not values or not values[0]:
        raise a.ArgumentError("Expected at least 1 argument for classify but received 0")
    if a.integer("classify", values[0], 0, 1000):
        raise UnsupportedInfoOption(
            "Info option classify is not supported: there is no image classification"
        )
    return options


def read_crop(options: InfoOptions, values: list[str]) -> InfoOptions:
    """The processing option's arguments; a centred crop is the default anchor, kept as None."""
    crop = g.read_crop(DEFAULT_OPTIONS, values).crop
    if crop.gravity == Gravity():
        crop = replace(crop, gravity=None)
    return replace(options, crop=crop)


def read_palette(options: InfoOptions, values: list[str]) -> InfoOptions:
    value = single("palette", values)
    colors = a.integer("palette", value, 0, MAX_PALETTE_COLORS)
    if 0 < colors < MIN_PALETTE_COLORS:
        raise a.expected(
            f"0 or integer {MIN_PALETTE_COLORS}..{MAX_PALETTE_COLORS}", "palette", value
        )
    return replace(options, palette=colors)


def read_blurhash(options: InfoOptions, values: list[str]) -> InfoOptions:
    a.check_count("blurhash", values, 2, least=2)
    x, y = (a.integer("blurhash", value, 0, MAX_BLURHASH_COMPONENTS) for value in values)
    return replace(options, blurhash=(x, y))


def read_calc_hashsums(options: InfoOptions, values: list[str]) -> InfoOptions:
    if values == [""]:
        return replace(options, calc_hashsums=())
    chosen = (a.choice("calc_hashsums", value.lower(), HASHSUMS) for value in values)
    return replace(options, calc_hashsums=tuple(dict.fromkeys(chosen)))


def read_page(options: InfoOptions, values: list[str]) -> InfoOptions:
    return replace(options, page=g.read_page(DEFAULT_OPTIONS, values).page)


def read_video_thumbnail_second(options: InfoOptions, values: list[str]) -> InfoOptions:
    a.number("video_thumbnail_second", single("video_thumbnail_second", values))
    return options


def read_video_thumbnail_keyframes(options: InfoOptions, values: list[str]) -> InfoOptions:
    a.boolean("video_thumbnail_keyframes", single("video_thumbnail_keyframes", values))
    return options


def read_cachebuster(options: InfoOptions, values: list[str]) -> InfoOptions:
    return replace(options, cachebuster=d.read_cachebuster(DEFAULT_OPTIONS, values).cachebuster)


def read_cache_tags(options: InfoOptions, values: list[str]) -> InfoOptions:
    return replace(options, cache_tags=d.cache_tags("cache_tags", values))


def read_expires(options: InfoOptions, values: list[str]) -> InfoOptions:
    return replace(options, expires=d.read_expires(DEFAULT_OPTIONS, values).expires)


def read_hashsum(options: InfoOptions, values: list[str]) -> InfoOptions:
    return replace(options, hashsum=read_expected_hashsum(values))


def read_max_src_resolution(options: InfoOptions, values: list[str]) -> InfoOptions:
    limits = d.read_max_src_resolution(DEFAULT_OPTIONS, values).limits
    return replace(
        options, limits=replace(options.limits, max_src_resolution=limits.max_src_resolution)
    )


def read_max_src_file_size(options: InfoOptions, values: list[str]) -> InfoOptions:
    limits = d.read_max_src_file_size(DEFAULT_OPTIONS, values).limits
    return replace(
        options, limits=replace(options.limits, max_src_file_size=limits.max_src_file_size)
    )
