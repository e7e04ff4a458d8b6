"""Tiers of raw bytes for the cache tests: the L1 and the `TieredCache` without a codec."""

from __future__ import annotations

from cache.memory import MemoryLRU
from cache.tier import TimedTier
from cache.tiered import TieredCache

MemoryTier = MemoryLRU[bytes]


def raw_tiers(l1: MemoryLRU[bytes], l2: TimedTier | None = None) -> TieredCache[bytes]:
    return TieredCache(l1, l2, encode=bytes, decode=bytes)
