"""Reading an HTTP answer for ranged reads: a head (the body left unread once its first bytes
say so) and a span (a 206 checked against its Content-Range, or a whole 200)."""

from __future__ import annotations

import httpx

from imgproxy.errors import OriginError, SourceTooLarge
from imgproxy.origins import Original
from imgproxy.origins.ranges import (
    PREFIX_BYTES,
    Head,
    Span,
    Stops,
    leaves_the_rest,
    parsed_span,
    rangeable,
    whole_span,
)
from imgproxy.origins.streaming import ByteCounter, original_from, read_capped, uncounted


async def read_head(
    response: httpx.Response,
    source: str,
    max_bytes: int,
    stops: Stops,
    counted: ByteCounter = uncounted,
) -> Original | Head:
    """The body, capped as `read_capped` caps it, unless the answer is rangeable and its first
    `PREFIX_BYTES` make `stops` leave the rest unread."""
    size = rangeable(response.headers) if response.status_code == 200 else 0
    if max_bytes and size > max_bytes:
        raise SourceTooLarge(detail=f"{source}: Content-Length {size} > {max_bytes}")
    if size <= PREFIX_BYTES:
        whole = await read_capped(response, source, max_bytes, counted)
        return original_from(whole, response.headers)
    decided = head = False

    def head_is_enough(body: bytearray) -> bool:
        nonlocal decided, head
        if not decided and len(body) >= PREFIX_BYTES:
            decided = True
            head = leaves_the_rest(size, len(body), lambda: bytes(body), stops)
        return head

    data = await read_capped(response, source, max_bytes, counted, enough=head_is_enough)
    original = original_from(data, response.headers)
    return Head(original, size) if head else original


async def read_span(
    response: httpx.Response,
    source: str,
    start: int,
    end: int,
    *,
    max_bytes: int,
    counted: ByteCounter = uncounted,
) -> Span:
    """A 206's bytes as asked, or a 200's whole body (an origin that ignores ranges) within
    `max_bytes`."""
    if response.status_code != 206:
        data = await read_capped(response, source, max_bytes, counted)
        return whole_span(data, response.headers)
    try:
        data = await read_capped(response, source, end - start, counted)
    except SourceTooLarge:
        raise OriginError(
            "Source answered a wrong range", detail=f"{source}: more than bytes {start}-{end - 1}"
        ) from None
    return parsed_span(source, response.headers, data, start, end)
