"""Tiers in order (L1 memory, then L2 Redis), behind the same protocol as one tier."""

from __future__ import annotations

from collections.abc import Callable

from cache.tier import TimedTier

TtlOf = Callable[[bytes], float]
"""The seconds a stored value has left, read from the value itself."""


class TieredCache:
    def __init__(
        self, l1: TimedTier, l2: TimedTier | None = None, *, ttl_of: TtlOf | None = None
    ) -> None:
        """`ttl_of`: values that carry their own expiry; an L2 hit is then one GET, without
        asking L2 for the time it has left."""
        self.l1 = l1
        self.l2 = l2
        self.ttl_of = ttl_of

    async def get(self, key: str) -> bytes | None:
        hit = await self.get_with_ttl(key)
        return None if hit is None else hit[0]

    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        """L1, else L2; an L2 hit fills L1 for the time L2 has left on it."""
        hit = await self.l1.get_with_ttl(key)
        if hit is not None or self.l2 is None:
            return hit
        if self.ttl_of is None:
            hit = await self.l2.get_with_ttl(key)
        else:
            value = await self.l2.get(key)
            hit = None if value is None else (value, self.ttl_of(value))
        if hit is not None:
            await self.l1.set(key, hit[0], hit[1])
        return hit

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self.l1.set(key, value, ttl)
        if self.l2 is not None:
            await self.l2.set(key, value, ttl)

    async def delete(self, key: str) -> None:
        await self.l1.delete(key)
        if self.l2 is not None:
            await self.l2.delete(key)
