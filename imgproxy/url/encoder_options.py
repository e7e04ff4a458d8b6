"""Readers for imgproxy Pro's per-URL encoder options (`jpeg_options`, `png_options`,
`webp_options`, `avif_options`): every argument optional, an empty one keeps its value (the
server's setting unless a preset set it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from imgproxy.url import args as a
from imgproxy.url.options import (
    Autoquality,
    AutoqualityMethod,
    AvifOptions,
    AvifSubsample,
    JpegOptions,
    Options,
    PngOptions,
    WebpCompression,
    WebpOptions,
    WebpPreset,
)
from imgproxy.url.records import replace

ArgReader = Callable[[str, str], Any]
Settings = TypeVar("Settings", JpegOptions, PngOptions, WebpOptions, AvifOptions, Autoquality)
MAX_QUANT_TABLE = 8


def _quant_table(name: str, value: str) -> int:
    return a.integer(name, value, 0, MAX_QUANT_TABLE)


def _colors(name: str, value: str) -> int:
    return a.integer(name, value, 2, 256)


def _quality(name: str, value: str) -> int:
    return a.integer(name, value, 1, 100)


def _target(name: str, value: str) -> float:
    return a.number(name, value, high=1e12)


def _allowed_error(name: str, value: str) -> float:
    return a.number(name, value, high=1.0)


def _enum(
    table: type[WebpCompression | WebpPreset | AvifSubsample | AutoqualityMethod],
) -> ArgReader:
    members = {member.value: member for member in table}
    return lambda name, value: a.choice(name, value, members)


JPEG_ARGS: tuple[ArgReader, ...] = (a.boolean,) * 5 + (_quant_table,)
PNG_ARGS: tuple[ArgReader, ...] = (a.boolean, a.boolean, _colors)
WEBP_ARGS: tuple[ArgReader, ...] = (_enum(WebpCompression), a.boolean, _enum(WebpPreset))
AVIF_ARGS: tuple[ArgReader, ...] = (_enum(AvifSubsample),)
AUTOQUALITY_ARGS: tuple[ArgReader, ...] = (
    _enum(AutoqualityMethod),
    _target,
    _quality,
    _quality,
    _allowed_error,
)


def _settings(
    option: str, current: Settings, readers: tuple[ArgReader, ...], values: list[str]
) -> Settings:
    a.check_count(option, values, len(readers), least=0)
    changes = {
        item.name: read(f"{option} {item.name}", value)
        for item, read, value in zip(fields(current), readers, values, strict=False)
        if value
    }
    return replace(current, **changes)


def read_jpeg_options(options: Options, values: list[str]) -> Options:
    jpeg = _settings("jpeg_options", options.jpeg_options, JPEG_ARGS, values)
    return replace(options, jpeg_options=jpeg)


def read_png_options(options: Options, values: list[str]) -> Options:
    png = _settings("png_options", options.png_options, PNG_ARGS, values)
    return replace(options, png_options=png)


def read_webp_options(options: Options, values: list[str]) -> Options:
    webp = _settings("webp_options", options.webp_options, WEBP_ARGS, values)
    return replace(options, webp_options=webp)


def read_avif_options(options: Options, values: list[str]) -> Options:
    avif = _settings("avif_options", options.avif_options, AVIF_ARGS, values)
    return replace(options, avif_options=avif)


def read_autoquality(options: Options, values: list[str]) -> Options:
    autoquality = _settings("autoquality", options.autoquality, AUTOQUALITY_ARGS, values)
    return replace(options, autoquality=autoquality)
