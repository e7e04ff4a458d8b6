"""Originals kept briefly (L1 bytes-bounded, optional L2), keyed by source URL, so the ten
srcset widths of one photo fetch it from the origin once. Concurrent misses for one source
share one fetch; fetch errors are not cached. Videos stay in this process (L1) only: they are
large, and one request reads a frame of them. `CachingOrigin` puts this in front of any
`Origin`, behind the same protocol."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from cache.keys import source_key
from cache.memory import MemoryLRU
from cache.record import CorruptRecord, pack, unpack
from cache.singleflight import SingleFlight
from cache.tier import TimedTier
from cache.tiered import TieredCache
from imgproxy.errors import SourceTooLarge
from imgproxy.origins import Origin, Original
from imgproxy.origins.ranges import Head, Span, Stops, fetch_head, fetch_range, size_of
from transforms.video.sniff import sniff as sniff_video

T = TypeVar("T", Original, Original | Head)
OriginalsL1 = MemoryLRU[Original]


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


class OriginalsCache:
    def __init__(self, l1: OriginalsL1, l2: TimedTier | None = None, *, ttl: float = 60.0) -> None:
        """Give `l2` its own prefix (e.g. "imgproxy:s:"), a larger timeout and a
        `max_value_bytes`: originals are bigger than results."""
        self.tiers = TieredCache(l1, l2, encode=encode_original, decode=decode_original)
        self.ttl = ttl
        self.flight: SingleFlight[Original] = SingleFlight()
        self.heads: SingleFlight[Original | Head] = SingleFlight()
        self.fetches = 0
        """Calls of a `load` so far: a caller that sees it unchanged was answered from cache."""

    async def get(self, source: str) -> Original | None:
        return await self.tiers.get(source_key(source))

    async def put(self, source: str, original: Original) -> None:
        video = sniff_video(original.data) is not None
        await self.tiers.set(source_key(source), original, self.ttl, l1_only=video)

    async def fetch(self, source: str, load: Callable[[], Awaitable[Original]]) -> Original:
        """The cached original, else one shared `load()` whose result is kept. Callers with a
        per-request size limit must check `len(original.data)` themselves."""
        return await self.flight.do(source_key(source), lambda: self._load(source, load))

    async def fetch_head(
        self, source: str, load: Callable[[], Awaitable[Original | Head]]
    ) -> Original | Head:
        """As `fetch`; a head (a source left to ranged reads) is shared, and kept nowhere."""
        return await self.heads.do(source_key(source), lambda: self._load(source, load))

    async def _load(self, source: str, load: Callable[[], Awaitable[T]]) -> Original | T:
        cached = await self.get(source)
        if cached is not None:
            return cached
        self.fetches += 1
        loaded = await load()
        if isinstance(loaded, Original):
            await self.put(source, loaded)
        return loaded


class CachingOrigin:
    """An `Origin` answering from `originals` and asking `origin` only on a miss. Concurrent
    misses share the first caller's fetch, its `max_bytes` included."""

    def __init__(self, origin: Origin, originals: OriginalsCache) -> None:
        self.origin = origin
        self.originals = originals

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        original = await self.originals.fetch(source, lambda: self.origin.fetch(source, max_bytes))
        if max_bytes and len(original.data) > max_bytes:
            raise SourceTooLarge(detail=f"{source}: {len(original.data)} > {max_bytes}")
        return original

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        fetched = await self.originals.fetch_head(
            source, lambda: fetch_head(self.origin, source, max_bytes, stops)
        )
        size = size_of(fetched)
        if max_bytes and size > max_bytes:
            raise SourceTooLarge(detail=f"{source}: {size} > {max_bytes}")
        return fetched

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        """Straight to the origin: spans are not kept."""
        return await fetch_range(self.origin, source, start, end, max_bytes)

    async def close(self) -> None:
        await self.origin.close()
