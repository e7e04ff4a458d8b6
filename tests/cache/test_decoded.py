"""Records decoded once per stored blob object, and never mistaken for another blob's."""

from __future__ import annotations

from dataclasses import replace

from cache.decoded import DecodedRecords
from cache.record import encode
from tests.cache.test_record import VARIANT


def test_the_same_blob_object_gives_the_record_decoded_from_it() -> None:
    records = DecodedRecords()
    blob = encode(VARIANT)
    first = records.decode(blob, "k")
    assert first == VARIANT
    assert records.decode(blob, "k") is first
    assert records.decode(blob) is first


def test_an_equal_blob_that_is_another_object_is_decoded_afresh() -> None:
    records = DecodedRecords()
    blob = encode(VARIANT)
    first = records.decode(blob, "k")
    again = records.decode(bytes(bytearray(blob)), "k")
    assert again == first and again is not first


def test_a_new_record_under_the_same_key_is_never_answered_with_the_old_one() -> None:
    records = DecodedRecords()
    records.decode(encode(VARIANT), "k")
    newer = replace(VARIANT, etag='"newer"', data=b"other bytes")
    assert records.decode(encode(newer), "k") == newer


def test_corrupt_and_missing_blobs_are_none_and_not_remembered() -> None:
    records = DecodedRecords()
    assert records.decode(None, "k") is None
    assert records.decode(b"\x00\x00\x00\x09{broken", "k") is None
    assert records.decode(encode(VARIANT), "k") == VARIANT


def test_without_a_budget_each_key_is_decoded_correctly_but_none_is_kept() -> None:
    records = DecodedRecords(max_bytes=0)
    first, second = encode(VARIANT), encode(replace(VARIANT, etag='"2"'))
    assert records.decode(first, "a") == VARIANT
    assert records.decode(second, "b") == replace(VARIANT, etag='"2"')
    assert records.decode(first, "a") == VARIANT
