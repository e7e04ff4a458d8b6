"""L1 then L2 for typed values: L1 keeps each value as it is (a hit copies and decodes
nothing), L2 keeps it encoded. An L2 hit is decoded once and fills L1 for the time it has left,
read from the value itself with `ttl_of` (one GET) or else asked of L2. A blob that does not
decode (`CorruptRecord`) is a miss, and is deleted."""

from __future__ import annotations

from collections.abc import Callable, Sized
from typing import Generic, TypeVar

from cache.memory import MemoryLRU
from cache.record import CorruptRecord
from cache.tier import TimedTier

V = TypeVar("V", bound=Sized)


class TieredCache(Generic[V]):
    def __init__(
        self,
        l1: MemoryLRU[V],
        l2: TimedTier | None = None,
        *,
        encode: Callable[[V], bytes],
        decode: Callable[[bytes], V],
        ttl_of: Callable[[V], float] | None = None,
    ) -> None:
        self.l1 = l1
        self.l2 = l2
        self.encode = encode
        self.decode = decode
        self.ttl_of = ttl_of

    async def get(self, key: str) -> V | None:
        return (await self.find(key))[0]

    async def find(self, key: str) -> tuple[V | None, bool]:
        """The value, and whether L1 held it (else L2 was asked, if there is one)."""
        found = self.l1.lookup(key)
        if found is not None or self.l2 is None:
            return found, found is not None
        blob, ttl = await self._from(self.l2, key)
        if blob is None:
            return None, False
        try:
            value = self.decode(blob)
        except CorruptRecord:
            await self.l2.delete(key)
            return None, False
        self.l1.put(key, value, ttl if self.ttl_of is None else self.ttl_of(value))
        return value, False

    async def _from(self, l2: TimedTier, key: str) -> tuple[bytes | None, float]:
        """The blob, and the time L2 has left on it unless the value itself will say."""
        if self.ttl_of is not None:
            return await l2.get(key), 0.0
        hit = await l2.get_with_ttl(key)
        return (None, 0.0) if hit is None else hit

    async def set(self, key: str, value: V, ttl: float, *, l1_only: bool = False) -> None:
        """Kept `ttl` seconds in L1 and, unless `l1_only`, in L2; a ttl <= 0 keeps nothing."""
        self.l1.put(key, value, ttl)
        if self.l2 is not None and not l1_only and ttl > 0:
            await self.l2.set(key, self.encode(value), ttl)

    async def delete(self, key: str) -> None:
        self.l1.discard(key)
        if self.l2 is not None:
            await self.l2.delete(key)
