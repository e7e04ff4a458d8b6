"""The stored record: header length + orjson header + raw bytes, and clear errors when corrupt."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cache.record import (
    CachedVariant,
    CorruptRecord,
    decode,
    encode,
    new_variant,
    pack,
)

DATA = bytes(range(256)) * 4  # every byte value, including NUL and invalid UTF-8
VARIANT = CachedVariant(
    data=DATA,
    media_type="image/webp",
    etag='"abc"',
    origin_etag='W/"origin-1"',
    last_modified="Wed, 21 Oct 2015 07:28:00 GMT",
    created_at=1_700_000_000.25,
    expires_at=1_700_003_600.25,
    stale_until=1_700_090_000.25,
)


def test_round_trip_keeps_bytes_and_metadata() -> None:
    blob = encode(VARIANT)
    assert blob.endswith(DATA)
    assert decode(blob) == VARIANT
    optional_none = CachedVariant(b"", "image/png", '"e"', None, None, 1.0, 2.0, 3.0)
    assert decode(encode(optional_none)) == optional_none


def test_record_is_compact() -> None:
    assert len(encode(VARIANT)) - len(DATA) < 220


def test_origin_cache_headers_round_trip_and_cost_nothing_when_absent() -> None:
    passed_through = replace(
        VARIANT,
        origin_cache_control="public, max-age=600",
        origin_expires="Wed, 21 Oct 2015 08:28:00 GMT",
    )
    assert decode(encode(passed_through)) == passed_through
    assert b'"cc"' not in encode(VARIANT)
    assert len(encode(passed_through)) > len(encode(VARIANT))


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "Expected at least 4 bytes in a cache record but received 0"),
        (b"\x00\x00", "Expected at least 4 bytes in a cache record but received 2"),
        (
            b"\x00\x00\x01\x00{}",
            "Expected a header of at most 2 bytes in a cache record but received a length of 256",
        ),
        (
            b"\xff\xff\xff\xff" + b"x" * 10,
            "Expected a header of at most 10 bytes in a cache record but received a length of "
            "4294967295",
        ),
        (
            pack({"t": "image/png"}, b"x"),
            "Expected text for 'e' in a cache record but received None",
        ),
        (
            pack({"t": "a", "e": "b", "c": "soon", "x": 1, "s": 2}, b""),
            "Expected a number for 'c' in a cache record but received 'soon'",
        ),
        (
            b"\x00\x00\x00\x02[]",
            "Expected a JSON object header in a cache record but received list",
        ),
    ],
)
def test_corrupt_blob_raises_a_clear_error(blob: bytes, message: str) -> None:
    with pytest.raises(CorruptRecord) as caught:
        decode(blob)
    assert str(caught.value) == message


def test_header_that_is_not_json() -> None:
    with pytest.raises(CorruptRecord, match=r"^Expected a JSON header in a cache record but "):
        decode(b"\x00\x00\x00\x03{x}data")


def test_freshness_age_and_storage_ttl() -> None:
    variant = new_variant(
        b"img",
        media_type="image/jpeg",
        etag='"e"',
        origin_etag=None,
        last_modified=None,
        now=100.0,
        ttl=60.0,
        stale_grace=600.0,
    )
    assert (variant.created_at, variant.expires_at, variant.stale_until) == (100.0, 160.0, 760.0)
    assert variant.is_fresh(159.9) and not variant.is_servable_stale(159.9)
    assert not variant.is_fresh(160.0) and variant.is_servable_stale(160.0)
    assert not variant.is_servable_stale(760.0)
    assert variant.age(161.7) == 61
    assert variant.storage_ttl(100.0) == 660.0
    assert variant.storage_ttl(800.0) == 0.0
