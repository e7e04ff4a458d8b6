"""The thumbor routes: images and `meta/` under the prefix, and `/healthcheck`."""

from __future__ import annotations

import logging
import re
import time

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cache.http import CachePolicy, cache_control
from imgproxy.endpoints import ImageRoutes
from imgproxy.errors import InvalidPath
from imgproxy.responses import conditions_of, image_response, policy_of, raw_path_of
from imgproxy.telemetry.access_log import log_fields
from imgproxy.thumbor.mapping import ThumborRequest
from imgproxy.url.args import shown
from imgproxy.url.options import ImageRequest

CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")
MAX_LOGGED_NAME = 64
log = logging.getLogger("imgproxy")


def max_age_header(seconds: int) -> str:
    """`max_age(N)`: exactly `public, max-age=N` as thumbor sends it (`no-cache` for 0)."""
    return cache_control(CachePolicy(seconds, 0, 0), None, time.time())


async def healthcheck(request: Request) -> Response:
    return PlainTextResponse("WORKING", headers={"Cache-Control": "no-cache"})


class ThumborEndpoint(ImageRoutes):
    async def image(self, request: Request) -> Response:
        return await self.guarded(request, self.serve)

    async def serve(self, request: Request) -> Response:
        parsed = self.reader.read_thumbor(raw_path_of(request))
        if parsed.ignored_filters:
            self.report_ignored(parsed.ignored_filters)
        if parsed.meta:
            return await self.meta(request, parsed)
        variant = self.reader.thumbor_variant(parsed, request.headers.get("accept", ""))
        conditions = conditions_of(request.headers, self.settings)
        client = self.limiter.key(request.scope)
        result = await self.service.process(variant, conditions, client)
        log_fields(request.scope)["cache"] = result.cache_status
        response = image_response(result, request, self.settings)
        if parsed.max_age is not None:
            response.headers["Cache-Control"] = max_age_header(parsed.max_age)
        return response

    def report_ignored(self, names: tuple[str, ...]) -> None:
        self.service.metrics.thumbor_unknown_filters(len(names))
        listed = ", ".join(shown(name, MAX_LOGGED_NAME) for name in names)
        log.warning("skipped unknown thumbor filters: %s", listed)

    async def meta(self, request: Request, parsed: ThumborRequest) -> Response:
        client = self.limiter.key(request.scope)
        document = await self.service.meta(ImageRequest(parsed.options, parsed.source), client)
        body = orjson.dumps(document)
        media_type = "application/json"
        callback = request.query_params.get("callback")
        if callback is not None:
            if not CALLBACK.fullmatch(callback):
                raise InvalidPath("Invalid callback name")
            body, media_type = callback.encode() + b"(" + body + b");", "text/javascript"
        if parsed.max_age is None:
            cache_control_value = cache_control(policy_of(self.settings), None, time.time())
        else:
            cache_control_value = max_age_header(parsed.max_age)
        headers = {
            "Cache-Control": cache_control_value,
            "Content-Type": media_type,
        }
        return Response(b"" if request.method == "HEAD" else body, headers=headers)
