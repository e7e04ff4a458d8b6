"""L1: bounded in bytes, least recently used goes first, entries expire (clock injected)."""

from __future__ import annotations

import pytest

from tests.cache.redis_procs import FakeClock
from tests.cache.tiers import MemoryTier


def tier(max_bytes: int = 100, **options: object) -> tuple[MemoryTier, FakeClock]:
    clock = FakeClock()
    return MemoryTier(max_bytes, clock=clock, **options), clock  # type: ignore[arg-type]


async def test_round_trip_and_delete() -> None:
    memory, _ = tier()
    await memory.set("a", b"\x00\xff" * 5, 10)
    assert await memory.get("a") == b"\x00\xff" * 5
    await memory.delete("a")
    assert await memory.get("a") is None
    await memory.delete("never-there")


async def test_total_bytes_stay_within_the_bound() -> None:
    memory, _ = tier(100)
    for index in range(10):
        await memory.set(f"k{index}", bytes(30), 60)
        assert memory.current_bytes <= 100
    assert memory.current_bytes == 90
    assert [await memory.get(f"k{i}") is not None for i in range(10)] == [False] * 7 + [True] * 3


async def test_least_recently_used_is_evicted_first() -> None:
    memory, _ = tier(100)
    for key in "abc":
        await memory.set(key, bytes(30), 60)
    assert await memory.get("a") is not None  # "b" is now the least recently used
    await memory.set("d", bytes(30), 60)
    assert "b" not in memory
    assert all(key in memory for key in "acd")


async def test_an_entry_larger_than_the_bound_is_skipped_without_evicting() -> None:
    memory, _ = tier(100)
    await memory.set("a", bytes(40), 60)
    await memory.set("b", bytes(40), 60)
    await memory.set("huge", bytes(101), 60)
    assert await memory.get("huge") is None
    assert "a" in memory and "b" in memory
    assert memory.stats.skipped_too_large == 1


async def test_a_skipped_value_does_not_leave_the_older_one_behind() -> None:
    memory, _ = tier(100, max_entry_bytes=50)
    await memory.set("a", bytes(40), 60)
    await memory.set("a", bytes(60), 60)
    assert await memory.get("a") is None
    assert "a" not in memory


async def test_each_entry_expires_after_its_own_ttl() -> None:
    memory, clock = tier(100)
    await memory.set("short", b"s", 5)
    await memory.set("long", b"l", 50)
    clock.advance(4.9)
    assert await memory.get("short") == b"s"
    assert await memory.get_with_ttl("long") == (b"l", pytest.approx(45.1))
    clock.advance(0.1)
    assert await memory.get("short") is None
    assert await memory.get("long") == b"l"
    clock.advance(45)
    assert await memory.get("long") is None
    assert memory.current_bytes == 0


async def test_expired_entries_free_their_bytes_before_live_ones_are_evicted() -> None:
    memory, clock = tier(100)
    await memory.set("old", bytes(60), 1)
    await memory.set("live", bytes(30), 100)
    clock.advance(2)
    await memory.set("new", bytes(60), 100)
    assert "live" in memory and "new" in memory


async def test_zero_ttl_stores_nothing_and_replaces_nothing_stale() -> None:
    memory, _ = tier()
    await memory.set("a", b"old", 10)
    await memory.set("a", b"new", 0)
    assert await memory.get("a") is None


def test_negative_bound_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"^Expected a memory cache bound >= 0 bytes but received -1$"
    ):
        MemoryTier(-1)
