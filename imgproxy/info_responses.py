"""`/info` answers as HTTP responses: the headers images get (Cache-Control from IMGPROXY_TTL or
the origin's with IMGPROXY_CACHE_CONTROL_PASSTHROUGH, capped by `expires`; ETag and
Last-Modified with their 304; X-Cache and Age; the source's surrogate key), for JSON."""

from __future__ import annotations

import time

from starlette.responses import Response

from cache.http import cache_control, passthrough_cache_control, tag_headers
from config.settings import Settings
from imgproxy.info_requests import InfoResult
from imgproxy.responses import policy_of


def info_headers(result: InfoResult, settings: Settings, now: float) -> dict[str, str]:
    stored = result.stored
    expires = result.variant.request.options.expires
    control = None
    if settings.cache_control_passthrough and expires is None:
        control = passthrough_cache_control(stored.origin_cache_control, stored.origin_expires, now)
    tags = result.variant.request.options.cache_tags
    headers = {
        "Content-Type": stored.media_type,
        "Cache-Control": control or cache_control(policy_of(settings), expires, now),
        "X-Content-Type-Options": "nosniff",
        **tag_headers(result.variant.source_key, tags, settings.cache_tags_format),
        "X-Cache": result.cache_status,
    }
    if settings.use_etag:
        headers["ETag"] = stored.etag
    if settings.use_last_modified and stored.last_modified:
        headers["Last-Modified"] = stored.last_modified
    if result.cache_status in ("HIT", "STALE"):
        headers["Age"] = str(stored.age(now))
    return headers


def info_response(result: InfoResult, settings: Settings, *, head: bool) -> Response:
    headers = info_headers(result, settings, time.time())
    if result.not_modified:
        del headers["Content-Type"]
        return Response(status_code=304, headers=headers)
    body = result.stored.data
    headers["Content-Length"] = str(len(body))
    return Response(b"" if head else body, headers=headers)
