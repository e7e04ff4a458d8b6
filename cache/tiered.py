"""Tiers in order (L1 memory, then L2 Redis), behind the same protocol as one tier."""

from __future__ import annotations

from cache.tier import TimedTier


class TieredCache:
    def __init__(self, l1: TimedTier, l2: TimedTier | None = None) -> None:
        self.l1 = l1
        self.l2 = l2

    async def get(self, key: str) -> bytes | None:
        hit = await self.get_with_ttl(key)
        return None if hit is None else hit[0]

    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        """L1, else L2; an L2 hit fills L1 for the time L2 has left on it."""
        hit = await self.l1.get_with_ttl(key)
        if hit is not None or self.l2 is None:
            return hit
        hit = await self.l2.get_with_ttl(key)
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
