"""Variant keys: canonical (spelling-independent), and sensitive to what changes the output."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cache.keys import (
    LATER_OUTPUT_SETTINGS,
    OUTPUT_SETTINGS,
    canonical_options,
    json_payload,
    settings_version,
    source_key,
    text_payload,
    variant_key,
)
from config.settings import Settings
from imgproxy.reader import version_of
from imgproxy.url.options import ImageFormat, Options
from imgproxy.url.parser import PathParser
from imgproxy.url.pixel_filters import PixelFilter

PARSER = PathParser()
SOURCE = "http://example.com/photo.jpg"
VERSION = settings_version({"quality": 80})


def key_of(path: str, requested: str = "auto:none", version: str = VERSION) -> str:
    request = PARSER.parse(path)
    return variant_key(request.options, request.source, requested, version)


def test_two_spellings_of_one_request_share_a_key() -> None:
    assert key_of(f"rs:fill:300:200/plain/{SOURCE}") == key_of(
        f"rt:fill/w:300/h:200/plain/{SOURCE}"
    )
    assert key_of(f"rs:fill:300:200/q:0/plain/{SOURCE}") == key_of(
        f"resize:fill:300:200/plain/{SOURCE}"
    )


def test_key_is_a_short_url_safe_digest() -> None:
    key = key_of(f"rs:fill:300:200/plain/{SOURCE}")
    assert len(key) == 43
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    ("path", "requested", "version"),
    [
        (f"rs:fill:300:201/plain/{SOURCE}", "auto:none", VERSION),  # options
        (f"rs:fill:300:200/plain/{SOURCE}2", "auto:none", VERSION),  # source
        (f"rs:fill:300:200/plain/{SOURCE}", "auto:webp", VERSION),  # Accept class
        (f"rs:fill:300:200/plain/{SOURCE}", "auto:avif", VERSION),
        (f"rs:fill:300:200/plain/{SOURCE}", "webp", VERSION),  # explicit format
        (f"rs:fill:300:200/plain/{SOURCE}", "auto:none", settings_version({"quality": 81})),
    ],
)
def test_anything_that_changes_the_output_changes_the_key(
    path: str, requested: str, version: str
) -> None:
    assert key_of(path, requested, version) != key_of(f"rs:fill:300:200/plain/{SOURCE}")


def test_explicit_extension_and_format_option_share_a_key() -> None:
    by_extension = key_of(f"rs:fill:300:200/plain/{SOURCE}@webp", "webp")
    assert by_extension == key_of(f"rs:fill:300:200/f:webp/plain/{SOURCE}", "webp")


def test_source_key_depends_on_the_source_only() -> None:
    assert source_key(SOURCE) == source_key(SOURCE)
    assert source_key(SOURCE) != source_key(SOURCE + "?v=2")
    assert len(source_key(SOURCE)) == 43


def test_settings_version_is_order_independent_and_digests_every_kind_of_value() -> None:
    settings = {
        "quality": 80,
        "format_quality": {ImageFormat.AVIF: 65, ImageFormat.WEBP: 79},
        "strip_metadata": True,
        "watermark_data": b"\x89PNG...",
        "allowed": frozenset({"rs", "q"}),
    }
    reordered = dict(reversed(list(settings.items())))
    assert settings_version(settings) == settings_version(reordered)
    assert settings_version(settings) != settings_version({**settings, "watermark_data": b"x"})
    assert settings_version(settings) != settings_version(
        {**settings, "format_quality": {ImageFormat.AVIF: 60, ImageFormat.WEBP: 79}}
    )
    assert len(settings_version(settings)) == 16


def test_output_settings_name_fields_of_the_settings_object() -> None:
    assert set(OUTPUT_SETTINGS) | set(LATER_OUTPUT_SETTINGS) <= {
        field.name for field in fields(Settings)
    }
    defaults = settings_version({name: getattr(Settings(), name) for name in OUTPUT_SETTINGS})
    lower = Settings(quality=70)
    assert defaults != settings_version({name: getattr(lower, name) for name in OUTPUT_SETTINGS})


def test_later_output_settings_change_the_version_only_off_their_defaults() -> None:
    assert version_of(Settings()) == version_of(Settings(webp_effort=4))
    assert version_of(Settings()) != version_of(Settings(webp_effort=6))
    assert version_of(Settings()) != version_of(Settings(png_quantize=True))


def test_thumbor_only_fields_change_the_key_and_leave_plain_options_alone() -> None:
    plain = Options(width=300)
    assert canonical_options(plain) == canonical_options(replace(plain, pixel_filters=()))
    keys = {
        canonical_options(plain),
        canonical_options(replace(plain, pixel_filters=(PixelFilter("equalize", ()),))),
        canonical_options(replace(plain, pixel_filters=(PixelFilter("noise", (10.0, 0.0)),))),
        canonical_options(replace(plain, pixel_filters=(PixelFilter("noise", (10.0, 1.0)),))),
        canonical_options(replace(plain, turn=1)),
    }
    assert len(keys) == 5
    assert "|thumbor:" not in canonical_options(plain)


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.text(), max_size=6))
@example(parts=["\x00\x1f\x7f\u2028\u2029", '"\\/', "é漢😀"])
def test_orjson_writes_the_keys_json_byte_for_byte(parts: list[str]) -> None:
    assert text_payload(tuple(parts)) == json_payload(parts)
