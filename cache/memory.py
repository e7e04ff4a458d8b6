"""L1: an in-process LRU bounded in bytes, with a TTL per entry (cachetools' TLRUCache).

It keeps any value whose `len` is the bytes it holds (results' records and originals, as they
are: `TieredCache`). Event-loop only (no locking). An entry larger than `max_entry_bytes`
(default: the whole bound) is skipped rather than evicting everything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from cachetools import TLRUCache

V = TypeVar("V", bound=Sized)


class _Entry(NamedTuple, Generic[V]):
    data: V
    expires: float


def _size(entry: _Entry[V]) -> float:
    return len(entry.data)


def _expiry(_key: str, entry: _Entry[V], _now: float) -> float:
    return entry.expires


@dataclass
class MemoryStats:
    hits: int = 0
    misses: int = 0
    skipped_too_large: int = 0


class MemoryLRU(Generic[V]):
    def __init__(
        self,
        max_bytes: int,
        *,
        max_entry_bytes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_bytes < 0:
            raise ValueError(f"Expected a memory cache bound >= 0 bytes but received {max_bytes}")
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_bytes, max_entry_bytes or max_bytes)
        self.clock = clock
        self.stats = MemoryStats()
        self._cache: TLRUCache[str, _Entry[V], float] = TLRUCache(
            maxsize=max_bytes, ttu=_expiry, timer=clock, getsizeof=_size
        )

    @property
    def current_bytes(self) -> int:
        return int(self._cache.currsize)

    def __len__(self) -> int:
        return len(self._cache)

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def _lookup(self, key: str) -> _Entry[V] | None:
        entry = self._cache.get(key)
        if entry is None:
            self.stats.misses += 1
        else:
            self.stats.hits += 1
        return entry

    def lookup(self, key: str) -> V | None:
        """The value kept under `key`, counted as a hit or a miss."""
        entry = self._lookup(key)
        return None if entry is None else entry.data

    async def get(self, key: str) -> V | None:
        return self.lookup(key)

    async def get_with_ttl(self, key: str) -> tuple[V, float] | None:
        entry = self._lookup(key)
        return None if entry is None else (entry.data, entry.expires - self.clock())

    async def set(self, key: str, value: V, ttl: float) -> None:
        self.put(key, value, ttl)

    def put(self, key: str, value: V, ttl: float) -> None:
        """Keep `value` for `ttl` seconds (none when ttl <= 0 or it is too large, which also
        drops an older value). `TieredCache` and the purge listeners call this directly; the
        async `get`/`set`/`delete` give the same operations the `Tier` protocol's shape."""
        if ttl <= 0 or len(value) > self.max_entry_bytes:
            if ttl > 0:
                self.stats.skipped_too_large += 1
            self._cache.pop(key, None)  # never leave an older value behind
            return
        self._cache[key] = _Entry(value, self.clock() + ttl)

    async def delete(self, key: str) -> None:
        self.discard(key)

    def discard(self, key: str) -> None:
        self._cache.pop(key, None)

    def discard_many(self, keys: list[str]) -> None:
        for key in keys:
            self._cache.pop(key, None)

    def clear(self) -> None:
        self._cache.clear()
