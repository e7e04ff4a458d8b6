"""Ranged reads: a source's first bytes with the rest left unread, then any span of it, so that a
video whose index sits at its end is read where the demuxer looks and nowhere else.

An origin answers a head with one ordinary request: the whole `Original` unless `stops` (asked
once the first `PREFIX_BYTES` are in) wants the rest left to ranged reads, and the origin can
serve them. Origins without ranged reads are fetched whole."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from imgproxy.errors import OriginError
from imgproxy.origins import Origin, Original, OriginRouter

PREFIX_BYTES = 64 * 1024
"""What a head reads before `stops` decides: enough to sniff any container."""
CONTENT_RANGE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19})")

Stops = Callable[[bytes], bool]
"""Given a source's first bytes: True to leave the rest to ranged reads."""


@dataclass(frozen=True)
class Head:
    """A source's first bytes and what the origin said about it, the rest left unread."""

    original: Original
    """Its `data` holds the first bytes only."""
    size: int

    @property
    def validator(self) -> str:
        return self.original.etag or self.original.last_modified or ""


@dataclass(frozen=True)
class Span:
    """Bytes `start`.. of a source of `size` bytes. An origin that ignored the range sends
    the whole source: `start` 0, `size` its length."""

    data: bytes
    start: int
    size: int
    validator: str = ""
    """ETag, else Last-Modified: a change between two reads shows in it."""


@runtime_checkable
class RangedOrigin(Origin, Protocol):
    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        """The whole source, as `fetch`, unless its first bytes make `stops` say otherwise."""
        ...

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        """Bytes `start` to `end` (exclusive) of the source; `max_bytes` caps a whole answer."""
        ...


async def fetch_head(origin: Origin, source: str, max_bytes: int, stops: Stops) -> Original | Head:
    if isinstance(origin, RangedOrigin):
        return await origin.fetch_head(source, max_bytes, stops)
    return await origin.fetch(source, max_bytes)


async def fetch_range(origin: Origin, source: str, start: int, end: int, max_bytes: int) -> Span:
    if not isinstance(origin, RangedOrigin):
        raise OriginError(detail=f"{source}: this origin has no ranged reads")
    return await origin.fetch_range(source, start, end, max_bytes)


class RangedRouter(OriginRouter):
    """The router, with the ranged reads of the origins that have them."""

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        return await fetch_head(self.origin_for(source), source, max_bytes, stops)

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        return await fetch_range(self.origin_for(source), source, start, end, max_bytes)


def fetched_original(fetched: Original | Head) -> Original:
    """What the origin said about the source (with its bytes, or its first bytes)."""
    return fetched if isinstance(fetched, Original) else fetched.original


def size_of(fetched: Original | Head) -> int:
    return len(fetched.data) if isinstance(fetched, Original) else fetched.size


def validator_of(headers: Mapping[str, str]) -> str:
    return headers.get("etag") or headers.get("last-modified") or ""


def rangeable(headers: Mapping[str, str]) -> int:
    """The size of a whole (200) answer whose spans may be asked for later, else 0: the origin
    says it serves byte ranges, the length is declared, and a validator shows changes."""
    declared = headers.get("content-length", "")
    if headers.get("accept-ranges", "").strip().lower() != "bytes" or not validator_of(headers):
        return 0
    if headers.get("content-encoding", "identity").strip().lower() != "identity":
        return 0
    return int(declared) if declared.isascii() and declared.isdigit() else 0


def range_header(start: int, end: int) -> str:
    return f"bytes={start}-{end - 1}"


def leaves_the_rest(
    size: int, received: int, first_bytes: Callable[[], bytes], stops: Stops
) -> bool:
    """Whether the `received` first bytes of an answer of `size` bytes (0: not rangeable), at
    least `PREFIX_BYTES` of them, make `stops` leave the rest unread. Asked once per answer;
    `first_bytes` is only called when `stops` is asked."""
    return size > PREFIX_BYTES and received < size and stops(first_bytes())


def whole_span(body: bytes, headers: Mapping[str, str]) -> Span:
    """A 200 answered to a range request: the origin sent the whole source."""
    return Span(body, 0, len(body), validator_of(headers))


def parsed_span(source: str, headers: Mapping[str, str], body: bytes, start: int, end: int) -> Span:
    """A 206 answer's body as the span asked for, checked against its Content-Range: it must
    start where asked, end within the request, and hold as many bytes as it says."""
    value = headers.get("content-range", "")
    found = CONTENT_RANGE.fullmatch(value.strip())
    if found is None:
        raise OriginError(
            "Source answered a wrong range", detail=f"{source}: Content-Range {value!r}"
        )
    first, last, size = (int(group) for group in found.groups())
    if not first == start <= last < min(end, size):
        raise OriginError(
            "Source answered a wrong range",
            detail=f"{source}: asked bytes {start}-{end - 1}, Content-Range {value!r}",
        )
    if len(body) != last - first + 1:
        raise OriginError(
            "Source answered a wrong range",
            detail=f"{source}: Content-Range {value!r} with {len(body)} bytes",
        )
    return Span(body, start, size, validator_of(headers))
