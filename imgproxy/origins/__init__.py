"""Where originals come from: one small protocol, one implementation per scheme."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from cache.record import FIELDS_BYTES
from imgproxy.errors import InvalidPath, SourceNotAllowed


@dataclass(frozen=True)
class Original:
    """The source image's bytes plus what the origin said about them."""

    data: bytes
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    cache_control: str | None = None
    expires: str | None = None
    """The origin's caching headers, for IMGPROXY_CACHE_CONTROL_PASSTHROUGH."""

    def __len__(self) -> int:
        """The bytes it holds, for a cache bounded in bytes."""
        return len(self.data) + FIELDS_BYTES


class Origin(Protocol):
    async def fetch(self, source: str, max_bytes: int) -> Original:
        """The source's bytes; `max_bytes` > 0 caps them (SourceTooLarge past it)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class OriginRouter:
    """Dispatches a source URL to the origin registered for its scheme."""

    by_scheme: Mapping[str, Origin]

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        return await self.origin_for(source).fetch(source, max_bytes)

    def origin_for(self, source: str) -> Origin:
        try:
            scheme = urlsplit(source).scheme.lower()
        except ValueError as error:
            raise InvalidPath("Invalid source URL", detail=f"{source!r}: {error}") from None
        origin = self.by_scheme.get(scheme)
        if origin is None:
            raise SourceNotAllowed(
                f"Source scheme '{scheme}' is not enabled" if scheme else "Source URL has no scheme"
            )
        return origin

    async def close(self) -> None:
        for origin in set(self.by_scheme.values()):
            await origin.close()
