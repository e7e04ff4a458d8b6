"""Turning results into HTTP responses: headers, conditional answers, disconnects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from cache.http import (
    CachePolicy,
    Conditions,
    cache_control,
    passthrough_cache_control,
    success_headers,
)
from config.settings import Settings
from imgproxy.client_hints import VARY_HEADERS
from imgproxy.errors import InvalidPath
from imgproxy.fallback import FallbackResult
from imgproxy.results import ImageResult


def raw_path_of(request: Request) -> str:
    return path_of(request.scope)


def path_of(scope: Scope) -> str:
    """The request path as sent (percent-escapes kept), without its query."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    try:
        return bytes(raw).split(b"?", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPath(detail="Path is not UTF-8") from None


def is_control(char: str) -> bool:
    """C0 controls, DEL and C1 controls: never in a header value."""
    return char < " " or "\x7f" <= char <= "\x9f"


def ascii_filename(name: str) -> str:
    """`name` as a quoted-string can carry it: controls dropped, other non-ASCII as `?`, quote
    and backslash as `_`."""
    kept = "".join(char for char in name if not is_control(char))
    plain = kept.encode("ascii", "replace").decode("ascii")
    return plain.replace('"', "_").replace("\\", "_") or "image"


def content_disposition(result: ImageResult) -> str:
    """`filename=` alone for a plain ASCII name; otherwise its ASCII fallback plus the whole
    name percent-encoded in `filename*` (RFC 6266, RFC 8187)."""
    kind = "attachment" if result.request.options.return_attachment else "inline"
    return disposition_of(kind, result.filename)


@lru_cache(maxsize=4096)
def disposition_of(kind: str, name: str) -> str:
    """The header for `kind` and `name` (asked on every hit)."""
    fallback = ascii_filename(name)
    if fallback == name:
        return f'{kind}; filename="{name}"'
    encoded = quote(name.encode("utf-8", "replace"), safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


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


def conditions_of(headers: Mapping[str, str], settings: Settings | None = None) -> Conditions:
    """The request's validators; with `settings`, only those IMGPROXY_USE_ETAG and
    IMGPROXY_USE_LAST_MODIFIED allow."""
    use_etag = settings is None or settings.use_etag
    use_last_modified = settings is None or settings.use_last_modified
    return Conditions(
        headers.get("if-none-match") if use_etag else None,
        headers.get("if-modified-since") if use_last_modified else None,
    )


def policy_of(settings: Settings) -> CachePolicy:
    return CachePolicy(
        settings.ttl,
        settings.stale_while_revalidate,
        settings.stale_if_error,
        settings.not_found_ttl,
    )


def vary_of(result: ImageResult, settings: Settings) -> list[str]:
    vary = ["Accept"] if result.variant.choice.varies else []
    if settings.enable_client_hints:
        vary.extend(VARY_HEADERS)
    return vary


def cache_control_of(result: ImageResult, settings: Settings, now: float) -> str:
    if isinstance(result, FallbackResult):
        return f"public, max-age={result.ttl}" if result.ttl > 0 else "no-cache"
    expires = result.request.options.expires
    if settings.cache_control_passthrough and expires is None:
        passed = passthrough_cache_control(result.origin_cache_control, result.origin_expires, now)
        if passed is not None:
            return passed
    return cache_control(policy_of(settings), expires, now)


@dataclass(frozen=True)
class Answer:
    """An image response, before any framework wraps it."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


def image_answer(result: ImageResult, settings: Settings, *, head: bool) -> Answer:
    headers = success_headers(
        media_type=result.media_type,
        etag=result.etag if settings.use_etag else None,
        cache_control_value=cache_control_of(result, settings, time.time()),
        vary=vary_of(result, settings),
        disposition=content_disposition(result),
        last_modified=result.last_modified if settings.use_last_modified else None,
        surrogate_key=result.variant.source_key,
        cache_tags=result.request.options.cache_tags,
        tags_format=settings.cache_tags_format,
    )
    headers["X-Cache"] = result.cache_status
    if result.age is not None:
        headers["Age"] = str(result.age)
    if result.cache_status == "STALE":
        headers["Warning"] = '110 - "Response is Stale"'
    if result.not_modified:
        del headers["Content-Type"], headers["Content-Disposition"]
        return Answer(304, headers)
    headers["Content-Length"] = str(len(result.data))
    status = result.status if isinstance(result, FallbackResult) else 200
    return Answer(status, headers, b"" if head else result.data)


def image_response(result: ImageResult, request: Request, settings: Settings) -> Response:
    answer = image_answer(result, settings, head=request.method == "HEAD")
    return Response(answer.body, status_code=answer.status, headers=answer.headers)
