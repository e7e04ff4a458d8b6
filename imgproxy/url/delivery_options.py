"""Readers (URL arguments onto `Options`) for encoding, delivery and per-URL security options."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from imgproxy.url import args as a
from imgproxy.url.geometry_options import single
from imgproxy.url.hashsums import read_expected_hashsum
from imgproxy.url.options import FORMAT_NAMES, ImageFormat, Options
from imgproxy.url.records import replace
from imgproxy.url.source import check_source_url, encode_base64

BASE64URL = re.compile(r"[A-Za-z0-9_-]+=*")
CACHE_TAG = re.compile(r"[!-+\--~]{1,256}")
"""What CloudFront and Cloudflare take as one tag: 1..256 visible ASCII characters, no comma."""
MAX_CACHE_TAGS = 49
MAX_WATERMARK_TEXT = 2048
MAX_STYLE = 16384
PROFILE_NAME = re.compile(r"[\w+-][\w +.-]{0,254}")
"""A file name inside the profiles directory: no separators, not hidden."""
"""CloudFront keeps 50 tags per object; every answer's tags start with the source's key."""


def image_format(name: str, value: str) -> ImageFormat:
    return a.choice(name, value.lower(), FORMAT_NAMES)


OUTPUT_NAMES = {**FORMAT_NAMES, "best": ImageFormat.BEST}


def read_format(options: Options, values: list[str]) -> Options:
    value = single("format", values)
    return replace(options, format=a.choice("format", value.lower(), OUTPUT_NAMES))


def read_quality(options: Options, values: list[str]) -> Options:
    return replace(options, quality=a.integer("quality", single("quality", values), 0, 100))


def read_format_quality(options: Options, values: list[str]) -> Options:
    if values == [""]:
        return replace(options, format_quality=())
    if len(values) % 2:
        raise a.ArgumentError(f"Missing quality for format_quality: {a.shown(values[-1])}")
    qualities = dict(options.format_quality)
    for name, value in zip(values[::2], values[1::2], strict=True):
        qualities[image_format("format_quality", name)] = a.integer("format_quality", value, 0, 100)
    ordered = tuple(sorted(qualities.items(), key=lambda item: item[0].value))
    return replace(options, format_quality=ordered)


def read_max_bytes(options: Options, values: list[str]) -> Options:
    limit = a.integer("max_bytes", single("max_bytes", values), 0, 2**31 - 1)
    return replace(options, max_bytes=limit)


def flag_reader(attribute: str) -> Callable[[Options, list[str]], Options]:
    """The reader of a boolean option stored in `attribute` (which is also its full name)."""

    def read(options: Options, values: list[str]) -> Options:
        change: dict[str, Any] = {attribute: a.boolean(attribute, single(attribute, values))}
        return replace(options, **change)

    return read


read_strip_metadata = flag_reader("strip_metadata")
read_keep_copyright = flag_reader("keep_copyright")
read_strip_color_profile = flag_reader("strip_color_profile")
read_preserve_hdr = flag_reader("preserve_hdr")
read_enforce_thumbnail = flag_reader("enforce_thumbnail")
read_return_attachment = flag_reader("return_attachment")
read_raw = flag_reader("raw")
read_bypass_cache = flag_reader("bypass_cache")


def read_video_thumbnail_second(options: Options, values: list[str]) -> Options:
    second = a.number("video_thumbnail_second", single("video_thumbnail_second", values))
    return replace(options, video_thumbnail_second=second)


def read_video_thumbnail_keyframes(options: Options, values: list[str]) -> Options:
    keyframes = a.boolean("video_thumbnail_keyframes", single("video_thumbnail_keyframes", values))
    return replace(options, video_thumbnail_keyframes=keyframes)


def read_dpi(options: Options, values: list[str]) -> Options:
    return replace(options, dpi=a.number("dpi", single("dpi", values), high=a.MAX_DIMENSION))


def read_skip_processing(options: Options, values: list[str]) -> Options:
    if values == [""]:
        return replace(options, skip_processing=())
    formats = tuple(dict.fromkeys(image_format("skip_processing", value) for value in values))
    return replace(options, skip_processing=formats)


def read_cachebuster(options: Options, values: list[str]) -> Options:
    return replace(options, cachebuster=single("cachebuster", values))


def read_expires(options: Options, values: list[str]) -> Options:
    timestamp = a.integer("expires", single("expires", values), 0, 2**63 - 1)
    return replace(options, expires=timestamp or None)


def read_filename(options: Options, values: list[str]) -> Options:
    a.check_count("filename", values, 2)
    name = values[0]
    if len(values) > 1 and values[1] and a.boolean("filename encoded", values[1]):
        try:
            padded = name + "=" * (-len(name) % 4)
            name = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise a.expected("URL-safe base64-encoded string", "filename", values[0]) from None
    return replace(options, filename=name)


def read_max_src_resolution(options: Options, values: list[str]) -> Options:
    value = a.number(
        "max_src_resolution", single("max_src_resolution", values), high=1e6, low_inclusive=False
    )
    return replace(options, limits=replace(options.limits, max_src_resolution=value))


def read_max_src_file_size(options: Options, values: list[str]) -> Options:
    value = a.integer("max_src_file_size", single("max_src_file_size", values), 0, 2**62)
    return replace(options, limits=replace(options.limits, max_src_file_size=value))


def read_max_animation_frames(options: Options, values: list[str]) -> Options:
    value = a.integer("max_animation_frames", single("max_animation_frames", values), 1, 100_000)
    return replace(options, limits=replace(options.limits, max_animation_frames=value))


def read_max_animation_frame_resolution(options: Options, values: list[str]) -> Options:
    name = "max_animation_frame_resolution"
    value = a.number(name, single(name, values), high=1e6)
    return replace(options, limits=replace(options.limits, max_animation_frame_resolution=value))


def read_max_result_dimension(options: Options, values: list[str]) -> Options:
    value = a.integer("max_result_dimension", single("max_result_dimension", values))
    return replace(options, limits=replace(options.limits, max_result_dimension=value))


def read_hashsum(options: Options, values: list[str]) -> Options:
    return replace(options, hashsum=read_expected_hashsum(values))


def base64_text(name: str, encoded: str, what: str) -> str:
    """UTF-8 text in URL-safe base64 (padding optional)."""
    try:
        if not BASE64URL.fullmatch(encoded):
            raise binascii.Error
        stripped = encoded.rstrip("=")
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise a.expected(f"URL-safe base64 of {what}", name, encoded) from None


def image_url(name: str, values: list[str]) -> str:
    """`%url`, an image URL in URL-safe base64 (padding optional); blank: none."""
    encoded = single(name, values)
    if not encoded:
        return ""
    url = base64_text(name, encoded, "an image URL")
    try:
        check_source_url(url)
    except ValueError:
        raise a.expected("URL-safe base64 of an image URL", name, encoded) from None
    return url


def read_fallback_image_url(options: Options, values: list[str]) -> Options:
    return replace(options, fallback_image_url=image_url("fallback_image_url", values))


def read_watermark_url(options: Options, values: list[str]) -> Options:
    return replace(options, watermark_url=image_url("watermark_url", values))


def read_color_profile(options: Options, values: list[str]) -> Options:
    """`%profile`: `srgb`, `cmyk`, or a profile's file name (percent-encoded, the `.icc` or
    `.icm` extension optional); blank: none."""
    name = unquote(single("color_profile", values))
    if name and not PROFILE_NAME.fullmatch(name):
        raise a.expected("srgb, cmyk or a profile file name", "color_profile", name)
    return replace(options, color_profile=name)


def _bounded_text(name: str, values: list[str], what: str, most: int) -> str:
    """`%text` in URL-safe base64, at most `most` characters; blank: none."""
    encoded = single(name, values)
    text = base64_text(name, encoded, what) if encoded else ""
    if len(text) > most:
        raise a.ArgumentError(
            f"Expected at most {most} characters for {name} but received {len(text)}"
        )
    return text


def read_style(options: Options, values: list[str]) -> Options:
    """`%style`: CSS in URL-safe base64; blank: none."""
    return replace(options, style=_bounded_text("style", values, "CSS", MAX_STYLE))


def read_watermark_text(options: Options, values: list[str]) -> Options:
    """`%text`: Pango markup in URL-safe base64; blank: none."""
    text = _bounded_text("watermark_text", values, "Pango markup", MAX_WATERMARK_TEXT)
    return replace(options, watermark_text=text)


def base64_args(url: str) -> list[str]:
    return [encode_base64(url)]


def cache_tags(name: str, values: list[str]) -> tuple[str, ...]:
    """`%tag1:%tag2:...`: blank ones skipped, repeats kept once, in the URL's order."""
    tags = tuple(dict.fromkeys(tag for tag in values if tag))
    for tag in tags:
        if not CACHE_TAG.fullmatch(tag):
            raise a.expected("1..256 visible ASCII characters without commas", name, tag)
    if len(tags) > MAX_CACHE_TAGS:
        raise a.ArgumentError(
            f"Expected at most {MAX_CACHE_TAGS} tags for {name} but received {len(tags)}"
        )
    return tags


def read_cache_tags(options: Options, values: list[str]) -> Options:
    return replace(options, cache_tags=cache_tags("cache_tags", values))
