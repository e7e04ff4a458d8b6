"""Reading an origin's HTTP response into an `Original`, capped at `max_bytes` while streaming."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from imgproxy.errors import SourceTooLarge
from imgproxy.origins import Original

ByteCounter = Callable[[int], None]
"""Told of bytes received (> 0) and of bytes let go when the read ends (< 0)."""


def uncounted(_change: int) -> None:
    return None


async def read_capped(
    response: httpx.Response,
    source: str,
    max_bytes: int,
    counted: ByteCounter = uncounted,
    *,
    enough: Callable[[bytearray], bool] | None = None,
) -> bytes:
    """The body, refused on a declared Content-Length over `max_bytes` (0: no cap) and cut off
    as soon as the streamed bytes pass it. With `enough`, reading stops early once it says the
    bytes so far are enough (the rest is left unread)."""
    declared = response.headers.get("content-length", "")
    if max_bytes and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise SourceTooLarge(detail=f"{source}: Content-Length {declared} > {max_bytes}")
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            body += chunk
            counted(len(chunk))
            if max_bytes and len(body) > max_bytes:
                raise SourceTooLarge(detail=f"{source}: body passed {max_bytes} bytes")
            if enough is not None and enough(body):
                break
        return bytes(body)
    finally:
        counted(-len(body))


async def read_original(
    response: httpx.Response, source: str, max_bytes: int, counted: ByteCounter = uncounted
) -> Original:
    data = await read_capped(response, source, max_bytes, counted)
    return original_from(data, response.headers)


def original_from(data: bytes, headers: Mapping[str, str]) -> Original:
    """`data` with what the answer's headers say of it."""
    return Original(
        data,
        headers.get("content-type"),
        headers.get("etag"),
        headers.get("last-modified"),
        headers.get("cache-control"),
        headers.get("expires"),
    )
