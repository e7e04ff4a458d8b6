"""Result records for the cache tests: a PNG-typed record made at `now`, fresh for 60 s."""

from __future__ import annotations

from cache.record import CachedVariant, new_variant


def png_record(
    data: bytes, now: float = 1000.0, *, stale_grace: float = 600, origin_etag: str | None = None
) -> CachedVariant:
    return new_variant(
        data,
        media_type="image/png",
        etag='"e"',
        origin_etag=origin_etag,
        last_modified=None,
        now=now,
        ttl=60,
        stale_grace=stale_grace,
    )
