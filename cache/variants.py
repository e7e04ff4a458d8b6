"""Results as typed records over the tiers (`TieredCache`: decoded in L1, encoded in L2, a
corrupt blob a miss): stored with the storage TTL (fresh + stale grace), which the record
itself carries, indexed per source and per cache tag, purged everywhere."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from cache.memory import MemoryLRU
from cache.record import CachedVariant, decode, encode
from cache.redis_tier import RedisTier
from cache.tiered import TieredCache

RecordsL1 = MemoryLRU[CachedVariant]

TAG_INDEX = "tag:"
"""Before a cache tag in the purge index: source keys (base64url digests) never hold a ':'."""


def tag_index(tag: str) -> str:
    """The purge index name of a cache tag: case-insensitive, as CloudFront and Cloudflare
    match tags."""
    return TAG_INDEX + tag.lower()


class VariantCache:
    def __init__(
        self,
        l1: RecordsL1,
        l2: RedisTier | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.l1 = l1
        self.l2 = l2
        self.clock = clock
        self.tiers = TieredCache(l1, l2, encode=encode, decode=decode, ttl_of=self._storage_ttl)

    def _storage_ttl(self, variant: CachedVariant) -> float:
        return variant.storage_ttl(self.clock())

    async def get(self, key: str) -> CachedVariant | None:
        """Fresh or stale (check `is_fresh`); None on a miss."""
        return await self.tiers.get(key)

    async def find(self, key: str) -> tuple[CachedVariant | None, bool]:
        """`get`, and whether L1 held it."""
        return await self.tiers.find(key)

    async def get_fresh(self, key: str) -> CachedVariant | None:
        """`get`, keeping only a copy that is still fresh (what coalesced waiters poll for)."""
        found = await self.get(key)
        return found if found is not None and found.is_fresh(self.clock()) else None

    async def put(
        self,
        key: str,
        variant: CachedVariant,
        source_key: str | None = None,
        tags: Iterable[str] = (),
    ) -> None:
        """Stored, and indexed under its source and each of its cache tags (`purge`)."""
        ttl = variant.storage_ttl(self.clock())
        if ttl <= 0:
            return
        await self.tiers.set(key, variant, ttl)
        if self.l2 is None:
            return
        if source_key is not None:
            await self.l2.index(source_key, key, ttl)
        for tag in tags:
            await self.l2.index(tag_index(tag), key, ttl)

    async def purge(self, source_key: str) -> list[str]:
        """Remove every variant of a source (or, given `tag_index(tag)`, of a cache tag) from
        L2 and every replica's L1. Needs Redis (raises `RedisUnavailable`); without L2 only
        this process's L1 can be cleared."""
        if self.l2 is None:
            self.l1.clear()
            return []
        keys = await self.l2.purge(source_key)
        self.l1.discard_many(keys)
        await self.l2.publish_purge(keys)
        return keys
