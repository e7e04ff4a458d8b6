"""Turning results into HTTP responses: headers, conditional answers, disconnects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from cache.http import CachePolicy, Conditions, cache_control, success_headers
from config.settings import Settings
from imgproxy.errors import InvalidPath
from imgproxy.results import ImageResult


def raw_path_of(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    try:
        return bytes(raw).split(b"?", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPath(detail="Path is not UTF-8") from None


def content_disposition(result: ImageResult) -> str:
    kind = "attachment" if result.request.options.return_attachment else "inline"
    name = result.filename
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    if ascii_name == name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


CLIENT_CLOSED_REQUEST = 499  # nobody reads it: the client is gone


async def cancel_on_disconnect(request: Request, work: Awaitable[Response]) -> Response:
    """Run `work`, cancelling it if the client goes away first (its queue slot is freed)."""
    task = asyncio.ensure_future(work)

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        task.cancel()

    watcher = asyncio.create_task(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if not watcher.done():
            raise  # cancelled from outside, not by the client leaving
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    finally:
        watcher.cancel()


def conditions_of(request: Request) -> Conditions:
    return Conditions(
        request.headers.get("if-none-match"), request.headers.get("if-modified-since")
    )


def policy_of(settings: Settings) -> CachePolicy:
    return CachePolicy(
        settings.ttl,
        settings.stale_while_revalidate,
        settings.stale_if_error,
        settings.not_found_ttl,
    )


def image_response(result: ImageResult, request: Request, settings: Settings) -> Response:
    options = result.request.options
    headers = success_headers(
        media_type=result.media_type,
        etag=result.etag if settings.use_etag else None,
        cache_control_value=cache_control(policy_of(settings), options.expires, time.time()),
        vary=result.variant.choice.varies,
        disposition=content_disposition(result),
        last_modified=result.last_modified,
        surrogate_key=result.variant.source_key,
    )
    headers["X-Cache"] = result.cache_status
    if result.age is not None:
        headers["Age"] = str(result.age)
    if result.cache_status == "STALE":
        headers["Warning"] = '110 - "Response is Stale"'
    if result.not_modified:
        del headers["Content-Type"], headers["Content-Disposition"]
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(result.data))
    body = b"" if request.method == "HEAD" else result.data
    return Response(body, headers=headers)
