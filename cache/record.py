"""One stored result: bytes plus metadata, packed as a 4-byte header length, an orjson header
and the raw bytes (no base64, no pickle)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import orjson

HEADER_LENGTH = struct.Struct(">I")
MAX_HEADER_BYTES = 64 * 1024
FIELDS_BYTES = 512
"""What a record's fields and object hold beside its body, as a memory bound counts it."""


class CorruptRecord(ValueError):
    """A stored blob that does not decode; callers treat it as a miss."""


@dataclass(frozen=True)
class CachedVariant:
    data: bytes
    media_type: str
    etag: str
    origin_etag: str | None
    last_modified: str | None
    created_at: float
    expires_at: float
    """Fresh until this time (created_at + IMGPROXY_CACHE_TTL)."""
    stale_until: float
    """Kept until this time (expires_at + IMGPROXY_CACHE_STALE_GRACE): served if origin fails."""
    origin_cache_control: str | None = None
    origin_expires: str | None = None

    def __len__(self) -> int:
        """The bytes it holds, for a cache bounded in bytes."""
        return len(self.data) + FIELDS_BYTES

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at

    def is_servable_stale(self, now: float) -> bool:
        return self.expires_at <= now < self.stale_until

    def age(self, now: float) -> int:
        """Seconds since it was made: the `Age` header value."""
        return max(0, int(now - self.created_at))

    def storage_ttl(self, now: float) -> float:
        """How long the tiers should keep it from `now` (fresh time plus grace)."""
        return max(0.0, self.stale_until - now)


def new_variant(
    data: bytes,
    *,
    media_type: str,
    etag: str,
    origin_etag: str | None,
    last_modified: str | None,
    now: float,
    ttl: float,
    stale_grace: float,
    origin_cache_control: str | None = None,
    origin_expires: str | None = None,
) -> CachedVariant:
    return CachedVariant(
        data=data,
        media_type=media_type,
        etag=etag,
        origin_etag=origin_etag,
        last_modified=last_modified,
        created_at=now,
        expires_at=now + ttl,
        stale_until=now + ttl + stale_grace,
        origin_cache_control=origin_cache_control,
        origin_expires=origin_expires,
    )


def pack(header: dict[str, Any], data: bytes) -> bytes:
    """`>I` header length + orjson header + raw bytes."""
    head = orjson.dumps(header)
    return HEADER_LENGTH.pack(len(head)) + head + data


def unpack(blob: bytes) -> tuple[dict[str, Any], bytes]:
    if len(blob) < HEADER_LENGTH.size:
        raise CorruptRecord(f"Expected at least 4 bytes in a cache record but received {len(blob)}")
    (length,) = HEADER_LENGTH.unpack_from(blob)
    end = HEADER_LENGTH.size + length
    if length > MAX_HEADER_BYTES or end > len(blob):
        raise CorruptRecord(
            f"Expected a header of at most {min(MAX_HEADER_BYTES, len(blob) - 4)} bytes "
            f"in a cache record but received a length of {length}"
        )
    try:
        header = orjson.loads(blob[HEADER_LENGTH.size : end])
    except orjson.JSONDecodeError as error:
        raise CorruptRecord(f"Expected a JSON header in a cache record but {error}") from None
    if not isinstance(header, dict):
        raise CorruptRecord(
            f"Expected a JSON object header in a cache record but received {type(header).__name__}"
        )
    return header, blob[end:]


def _text(header: dict[str, Any], name: str, optional: bool = False) -> Any:
    value = header.get(name)
    if isinstance(value, str) or (optional and value is None):
        return value
    raise CorruptRecord(f"Expected text for {name!r} in a cache record but received {value!r}")


def _time(header: dict[str, Any], name: str) -> float:
    value = header.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise CorruptRecord(f"Expected a number for {name!r} in a cache record but received {value!r}")


def encode(variant: CachedVariant) -> bytes:
    header = {
        "t": variant.media_type,
        "e": variant.etag,
        "oe": variant.origin_etag,
        "lm": variant.last_modified,
        "c": variant.created_at,
        "x": variant.expires_at,
        "s": variant.stale_until,
    }
    # Only with IMGPROXY_CACHE_CONTROL_PASSTHROUGH: left out otherwise, to keep records small.
    if variant.origin_cache_control is not None:
        header["cc"] = variant.origin_cache_control
    if variant.origin_expires is not None:
        header["ex"] = variant.origin_expires
    return pack(header, variant.data)


def decode(blob: bytes) -> CachedVariant:
    """The inverse of `encode`; raises `CorruptRecord` on anything else."""
    header, data = unpack(blob)
    return CachedVariant(
        data=data,
        media_type=_text(header, "t"),
        etag=_text(header, "e"),
        origin_etag=_text(header, "oe", optional=True),
        last_modified=_text(header, "lm", optional=True),
        created_at=_time(header, "c"),
        expires_at=_time(header, "x"),
        stale_until=_time(header, "s"),
        origin_cache_control=_text(header, "cc", optional=True),
        origin_expires=_text(header, "ex", optional=True),
    )
