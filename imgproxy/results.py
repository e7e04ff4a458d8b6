"""What a request resolves to: the variant it names and the answer it gets."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from imgproxy.negotiation import FormatChoice
from imgproxy.url.options import ImageFormat, ImageRequest


@dataclass(frozen=True)
class Variant:
    """A parsed request plus what identifies its result in every cache."""

    request: ImageRequest
    choice: FormatChoice
    key: str
    source_key: str


@dataclass(frozen=True)
class ImageResult:
    variant: Variant
    etag: str
    data: bytes = b""
    format: ImageFormat | None = None
    """None: passed through unprocessed (`raw`) with a sniffed or the origin's content type."""
    media_type: str = "application/octet-stream"
    last_modified: str | None = None
    not_modified: bool = False
    cache_status: str = "MISS"
    """HIT (from a cache tier), MISS (processed here), WAIT (shared another request's
    processing), STALE (kept copy served while the origin fails), REVALIDATED (304 after
    checking the source), BYPASS (`raw`, `bypass_cache`)."""
    age: int | None = None
    origin_cache_control: str | None = None
    origin_expires: str | None = None
    """The origin's caching headers (used with IMGPROXY_CACHE_CONTROL_PASSTHROUGH)."""

    @property
    def request(self) -> ImageRequest:
        return self.variant.request

    @property
    def filename(self) -> str:
        stem = self.request.options.filename or stem_of(self.request.source)
        extension = f".{self.format.extension}" if self.format else ""
        return f"{stem or 'image'}{extension}"


@functools.lru_cache(maxsize=4096)
def stem_of(source: str) -> str:
    """The file name of the source URL's path, without its extension (asked on every hit)."""
    return PurePosixPath(urlsplit(source).path).stem
