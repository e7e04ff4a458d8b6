"""Results as typed records over the tiers: decode (a corrupt blob is a miss and is dropped),
store with the storage TTL (fresh + stale grace), index per source and per cache tag, purge
everywhere."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from cache.decoded import DECODED_BYTES, DecodedRecords
from cache.memory import MemoryTier
from cache.record import CachedVariant, encode
from cache.redis_tier import RedisTier
from cache.tiered import TieredCache

TAG_INDEX = "tag:"
"""Before a cache tag in the purge index: source keys (base64url digests) never hold a ':'."""


def tag_index(tag: str) -> str:
    """The purge index name of a cache tag: case-insensitive, as CloudFront and Cloudflare
    match tags."""
    return TAG_INDEX + tag.lower()


class VariantCache:
    def __init__(
        self,
        l1: MemoryTier,
        l2: RedisTier | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.l1 = l1
        self.l2 = l2
        self.tiers = TieredCache(l1, l2, ttl_of=self._ttl_of)
        self.clock = clock
        self.decoded = DecodedRecords(min(DECODED_BYTES, l1.max_bytes))

    def _ttl_of(self, blob: bytes) -> float:
        """A stored record's time left; a corrupt one none (it is deleted on the way out)."""
        variant = self.decoded.decode(blob)
        return 0.0 if variant is None else variant.storage_ttl(self.clock())

    async def get(self, key: str) -> CachedVariant | None:
        """Fresh or stale (check `is_fresh`); None on a miss."""
        blob = await self.tiers.get(key)
        variant = self.decoded.decode(blob, key)
        if blob is not None and variant is None:
            await self.tiers.delete(key)
        return variant

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
        await self.tiers.set(key, encode(variant), ttl)
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
