"""Originals: the ten srcset widths of one photo fetch it from the origin once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from cache.record import FIELDS_BYTES, CorruptRecord
from cache.redis_tier import RedisTier
from imgproxy.errors import SourceTooLarge
from imgproxy.origins import Original
from imgproxy.origins.caching import (
    CachingOrigin,
    OriginalsCache,
    OriginalsL1,
    decode_original,
    encode_original,
)
from tests.cache.redis_procs import RedisProcess, guarded

PHOTO = Original(b"\xff\xd8\xff" + bytes(range(256)) * 40, "image/jpeg", '"v1"', "Mon, 1 Jan 2024")
SOURCE = "https://origin.example/photo.jpg"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


class CountingOrigin:
    """An `Origin` that answers only once `gate` is set, counting its fetches."""

    def __init__(self) -> None:
        self.fetches: list[tuple[str, int]] = []
        self.gate = asyncio.Event()
        self.closed = False

    async def fetch(self, source: str = SOURCE, max_bytes: int = 0) -> Original:
        self.fetches.append((source, max_bytes))
        await self.gate.wait()
        return PHOTO

    async def close(self) -> None:
        self.closed = True


async def test_concurrent_widths_fetch_the_original_once() -> None:
    sources = OriginalsCache(OriginalsL1(1 << 20), ttl=30)
    origin = CountingOrigin()
    widths = [asyncio.create_task(sources.fetch(SOURCE, origin.fetch)) for _ in range(10)]
    origin.gate.set()
    assert await asyncio.gather(*widths) == [PHOTO] * 10
    assert len(origin.fetches) == sources.fetches == 1
    assert await sources.fetch(SOURCE, origin.fetch) == PHOTO  # later: from L1
    assert len(origin.fetches) == sources.fetches == 1


async def test_a_second_replica_gets_the_original_from_l2(redis_url: str) -> None:
    async with guarded(redis_url) as redis_a, guarded(redis_url) as redis_b:
        a = OriginalsCache(OriginalsL1(1 << 20), RedisTier(redis_a, prefix="imgproxy:s:"))
        b = OriginalsCache(OriginalsL1(1 << 20), RedisTier(redis_b, prefix="imgproxy:s:"))
        origin = CountingOrigin()
        origin.gate.set()
        assert await a.fetch(SOURCE, origin.fetch) == PHOTO
        assert await b.fetch(SOURCE, origin.fetch) == PHOTO
        assert len(origin.fetches) == 1


async def test_fetch_errors_are_shared_but_not_cached() -> None:
    sources = OriginalsCache(OriginalsL1(1 << 20))
    calls = [0]

    async def failing() -> Original:
        calls[0] += 1
        raise ConnectionError("origin down")

    results = await asyncio.gather(
        *(sources.fetch(SOURCE, failing) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    assert calls[0] == 1
    with pytest.raises(ConnectionError):
        await sources.fetch(SOURCE, failing)
    assert calls[0] == 2


async def test_originals_larger_than_the_memory_bound_are_fetched_each_time() -> None:
    sources = OriginalsCache(OriginalsL1(100))
    origin = CountingOrigin()
    origin.gate.set()
    await sources.fetch(SOURCE, origin.fetch)
    await sources.fetch(SOURCE, origin.fetch)
    assert len(origin.fetches) == 2


def test_original_record_round_trip_and_corruption() -> None:
    assert decode_original(encode_original(PHOTO)) == PHOTO
    assert decode_original(encode_original(Original(b""))) == Original(b"")
    with pytest.raises(CorruptRecord):
        decode_original(b'\x00\x00\x00\x0a{"t": 5}xx')


async def test_the_caching_origin_is_an_origin_that_fetches_once() -> None:
    origin = CountingOrigin()
    caching = CachingOrigin(origin, OriginalsCache(OriginalsL1(1 << 20)))
    widths = [asyncio.create_task(caching.fetch(SOURCE, 1 << 20)) for _ in range(10)]
    origin.gate.set()
    assert await asyncio.gather(*widths) == [PHOTO] * 10
    assert await caching.fetch(SOURCE) == PHOTO
    assert origin.fetches == [(SOURCE, 1 << 20)]
    await caching.close()
    assert origin.closed


async def test_the_caching_origin_holds_a_cached_original_to_the_callers_limit() -> None:
    origin = CountingOrigin()
    origin.gate.set()
    caching = CachingOrigin(origin, OriginalsCache(OriginalsL1(1 << 20)))
    await caching.fetch(SOURCE)
    with pytest.raises(SourceTooLarge) as caught:
        await caching.fetch(SOURCE, 100)
    assert caught.value.detail == f"{SOURCE}: {len(PHOTO.data)} > 100"
    assert len(origin.fetches) == 1


async def test_a_kept_original_is_handed_back_itself_counted_by_its_bytes() -> None:
    sources = OriginalsCache(OriginalsL1(1 << 20))
    original = Original(b"\xff\xd8\xff" + bytes(5000), "image/jpeg")
    await sources.put("https://origin.example/a.jpg", original)

    assert await sources.get("https://origin.example/a.jpg") is original
    assert sources.tiers.l1.current_bytes == len(original.data) + FIELDS_BYTES
