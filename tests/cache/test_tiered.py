"""L1 then L2: an L2 hit fills L1 for the time L2 has left; another instance shares L2."""

from __future__ import annotations

import pytest

from cache.record import FIELDS_BYTES, encode
from cache.redis_tier import RedisTier
from cache.variants import RecordsL1, VariantCache
from tests.cache.records import png_record
from tests.cache.redis_procs import FakeClock, guarded
from tests.cache.tiers import MemoryTier, raw_tiers

IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


async def test_memory_only_cache_works_without_redis() -> None:
    cache = raw_tiers(MemoryTier(1 << 20))
    await cache.set("k", IMAGE, 60)
    assert await cache.get("k") == IMAGE
    await cache.delete("k")
    assert await cache.get("k") is None


async def test_set_writes_both_tiers_and_delete_removes_both(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        l1, l2 = MemoryTier(1 << 20), RedisTier(redis)
        cache = raw_tiers(l1, l2)
        await cache.set("k", IMAGE, 60)
        assert await l1.get("k") == IMAGE and await l2.get("k") == IMAGE
        await cache.delete("k")
        assert await l1.get("k") is None and await l2.get("k") is None


async def test_an_l2_hit_fills_l1_with_the_remaining_ttl(redis_url: str) -> None:
    clock = FakeClock()
    async with guarded(redis_url) as redis:
        l1, l2 = MemoryTier(1 << 20, clock=clock), RedisTier(redis)
        await l2.set("k", IMAGE, 30)
        cache = raw_tiers(l1, l2)
        assert "k" not in l1
        assert await cache.get("k") == IMAGE
        hit = await l1.get_with_ttl("k")
        assert hit is not None and hit[0] == IMAGE and 29 < hit[1] <= 30
        await l2.delete("k")
        assert await cache.get("k") == IMAGE  # now served by L1 alone
        clock.advance(30)
        assert await cache.get("k") is None  # L1's copy expired with L2's deadline


async def test_a_second_app_instance_sees_what_the_first_stored(redis_url: str) -> None:
    async with guarded(redis_url) as first_redis, guarded(redis_url) as second_redis:
        first = raw_tiers(MemoryTier(1 << 20), RedisTier(first_redis))
        second_l1 = MemoryTier(1 << 20)
        second = raw_tiers(second_l1, RedisTier(second_redis))
        await first.set("shared", IMAGE, 60)
        assert await second.get("shared") == IMAGE
        assert "shared" in second_l1


async def test_variant_cache_round_trip_index_and_purge(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        l1, l2 = RecordsL1(1 << 20), RedisTier(redis)
        variants = VariantCache(l1, l2, clock=lambda: 1000.0)
        variant = png_record(IMAGE, origin_etag='"o"')
        await variants.put("v1", variant, source_key="photo")
        hit = await l2.get_with_ttl("v1")
        assert hit is not None and 659 < hit[1] <= 660  # fresh time plus grace
        assert await variants.get("v1") == variant
        assert await variants.purge("photo") == ["v1"]
        assert await variants.get("v1") is None


async def test_a_corrupt_blob_is_a_miss_and_is_dropped(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        l1, l2 = RecordsL1(1 << 20), RedisTier(redis)
        variants = VariantCache(l1, l2)
        await l2.set("bad", b"\x00\x00\x10\x00garbage", 60)
        assert await variants.get("bad") is None
        assert await l2.get("bad") is None and "bad" not in l1


async def test_an_expired_variant_is_not_stored() -> None:
    l1 = RecordsL1(1 << 20)
    variants = VariantCache(l1, clock=lambda: 5000.0)
    old = png_record(IMAGE, stale_grace=60)
    await variants.put("old", old)
    assert "old" not in l1
    l1.put("kept", old, 10)
    assert await variants.get("kept") == old  # stale records are returned: the caller decides


@pytest.mark.parametrize("max_bytes", [0, 10])
async def test_l1_too_small_still_serves_from_l2(redis_url: str, max_bytes: int) -> None:
    async with guarded(redis_url) as redis:
        cache = raw_tiers(MemoryTier(max_bytes), RedisTier(redis))
        await cache.set("k", IMAGE, 60)
        assert await cache.get("k") == IMAGE


async def test_l1_keeps_the_record_itself_counted_by_the_bytes_it_holds() -> None:
    l1 = RecordsL1(1 << 20)
    variants = VariantCache(l1, clock=lambda: 1000.0)
    variant = png_record(IMAGE)
    await variants.put("v", variant)

    assert await variants.get("v") is variant
    assert l1.current_bytes == len(IMAGE) + FIELDS_BYTES


async def test_an_l2_hit_is_decoded_once_and_fills_l1_for_its_time_left(redis_url: str) -> None:
    clock = FakeClock()
    async with guarded(redis_url) as redis:
        l1, l2 = RecordsL1(1 << 20, clock=clock), RedisTier(redis)
        variant = png_record(IMAGE)
        await l2.set("v", encode(variant), 660)
        variants = VariantCache(l1, l2, clock=clock)

        first, in_l1 = await variants.find("v")
        assert (first, in_l1) == (variant, False)
        assert await variants.find("v") == (first, True)
        assert await variants.find("absent") == (None, False)
        kept = await l1.get_with_ttl("v")
        assert kept is not None and kept[0] is first and 659 < kept[1] <= 660
        await l2.delete("v")
        assert await variants.get("v") is first  # L1 alone, no second decode
        clock.advance(660)
        assert await variants.get("v") is None  # gone with the record's own storage time
