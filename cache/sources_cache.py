"""Originals kept briefly (L1 bytes-bounded, optional L2), keyed by source URL, so the ten
srcset widths of one photo fetch it from the origin once. Concurrent misses for one source
share one fetch; fetch errors are not cached."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cache.keys import source_key
from cache.memory import MemoryTier
from cache.record import CorruptRecord, pack, unpack
from cache.redis_tier import RedisTier
from cache.singleflight import SingleFlight
from cache.tiered import TieredCache
from imgproxy.origins import Original


def encode_original(original: Original) -> bytes:
    header = {
        "t": original.content_type,
        "e": original.etag,
        "lm": original.last_modified,
        "cc": original.cache_control,
        "ex": original.expires,
    }
    return pack(header, original.data)


def decode_original(blob: bytes) -> Original:
    header, data = unpack(blob)
    fields = {name: header.get(name) for name in ("t", "e", "lm", "cc", "ex")}
    for name, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise CorruptRecord(f"Expected text for {name!r} in a source record but got {value!r}")
    return Original(data, fields["t"], fields["e"], fields["lm"], fields["cc"], fields["ex"])


class SourcesCache:
    def __init__(self, l1: MemoryTier, l2: RedisTier | None = None, *, ttl: float = 60.0) -> None:
        """Give `l2` its own prefix (e.g. "imgproxy:s:"), a larger timeout and a
        `max_value_bytes`: originals are bigger than results."""
        self.tiers = TieredCache(l1, l2)
        self.ttl = ttl
        self.flight: SingleFlight[Original] = SingleFlight()
        self.fetches = 0

    async def get(self, source: str) -> Original | None:
        key = source_key(source)
        blob = await self.tiers.get(key)
        if blob is None:
            return None
        try:
            return decode_original(blob)
        except CorruptRecord:
            await self.tiers.delete(key)
            return None

    async def put(self, source: str, original: Original) -> None:
        await self.tiers.set(source_key(source), encode_original(original), self.ttl)

    async def fetch(self, source: str, fetch: Callable[[], Awaitable[Original]]) -> Original:
        """The cached original, else one shared `fetch()` whose result is kept. Callers with a
        per-request size limit must check `len(original.data)` themselves."""
        return await self.flight.do(source_key(source), lambda: self._load(source, fetch))

    async def _load(self, source: str, fetch: Callable[[], Awaitable[Original]]) -> Original:
        cached = await self.get(source)
        if cached is not None:
            return cached
        self.fetches += 1
        original = await fetch()
        await self.put(source, original)
        return original
