"""Originals: the ten srcset widths of one photo fetch it from the origin once."""

from __future__ import annotations

import asyncio

import pytest

from cache.memory import MemoryTier
from cache.record import CorruptRecord
from cache.redis_tier import RedisTier
from cache.sources_cache import SourcesCache, decode_original, encode_original
from imgproxy.origins import Original
from tests.cache.redis_procs import guarded

PHOTO = Original(b"\xff\xd8\xff" + bytes(range(256)) * 40, "image/jpeg", '"v1"', "Mon, 1 Jan 2024")
SOURCE = "https://origin.example/photo.jpg"


class CountingOrigin:
    def __init__(self) -> None:
        self.fetches = 0
        self.gate = asyncio.Event()

    async def fetch(self) -> Original:
        self.fetches += 1
        await self.gate.wait()
        return PHOTO


async def test_concurrent_widths_fetch_the_original_once() -> None:
    sources = SourcesCache(MemoryTier(1 << 20), ttl=30)
    origin = CountingOrigin()
    widths = [asyncio.create_task(sources.fetch(SOURCE, origin.fetch)) for _ in range(10)]
    origin.gate.set()
    assert await asyncio.gather(*widths) == [PHOTO] * 10
    assert origin.fetches == 1
    assert await sources.fetch(SOURCE, origin.fetch) == PHOTO  # later: from L1
    assert origin.fetches == 1


async def test_a_second_replica_gets_the_original_from_l2(redis_url: str) -> None:
    async with guarded(redis_url) as redis_a, guarded(redis_url) as redis_b:
        a = SourcesCache(MemoryTier(1 << 20), RedisTier(redis_a, prefix="imgproxy:s:"))
        b = SourcesCache(MemoryTier(1 << 20), RedisTier(redis_b, prefix="imgproxy:s:"))
        origin = CountingOrigin()
        origin.gate.set()
        assert await a.fetch(SOURCE, origin.fetch) == PHOTO
        assert await b.fetch(SOURCE, origin.fetch) == PHOTO
        assert origin.fetches == 1


async def test_fetch_errors_are_shared_but_not_cached() -> None:
    sources = SourcesCache(MemoryTier(1 << 20))
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
    sources = SourcesCache(MemoryTier(100))
    origin = CountingOrigin()
    origin.gate.set()
    await sources.fetch(SOURCE, origin.fetch)
    await sources.fetch(SOURCE, origin.fetch)
    assert origin.fetches == 2


def test_original_record_round_trip_and_corruption() -> None:
    assert decode_original(encode_original(PHOTO)) == PHOTO
    assert decode_original(encode_original(Original(b""))) == Original(b"")
    with pytest.raises(CorruptRecord):
        decode_original(b'\x00\x00\x00\x0a{"t": 5}xx')
