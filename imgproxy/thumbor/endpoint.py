"""The thumbor routes: images and `meta/` under the prefix, and `/healthcheck`."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cache.http import cache_control
from imgproxy.endpoints import ImageRoutes
from imgproxy.errors import InvalidPath
from imgproxy.responses import conditions_of, image_response, policy_of, raw_path_of
from imgproxy.telemetry import log_fields
from imgproxy.thumbor.mapping import ThumborRequest
from imgproxy.url.options import ImageRequest

CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")


async def healthcheck(request: Request) -> Response:
    return PlainTextResponse("WORKING", headers={"Cache-Control": "no-cache"})


class ThumborEndpoint(ImageRoutes):
    async def image(self, request: Request) -> Response:
        return await self.guarded(request, self.serve)

    async def serve(self, request: Request) -> Response:
        parsed = self.reader.read_thumbor(raw_path_of(request))
        if parsed.meta:
            return await self.meta(request, parsed)
        variant = self.reader.thumbor_variant(parsed, request.headers.get("accept", ""))
        conditions = conditions_of(request.headers, self.settings)
        client = self.limiter.key(request.scope)
        result = await self.service.process(variant, conditions, client)
        log_fields(request.scope)["cache"] = result.cache_status
        response = image_response(result, request, self.settings)
        if parsed.max_age is not None:
            policy = replace(policy_of(self.settings), ttl=parsed.max_age)
            response.headers["Cache-Control"] = cache_control(policy, None, time.time())
        return response

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
        max_age = self.settings.ttl if parsed.max_age is None else parsed.max_age
        policy = replace(policy_of(self.settings), ttl=max_age)
        headers = {
            "Cache-Control": cache_control(policy, None, time.time()),
            "Content-Type": media_type,
        }
        return Response(b"" if request.method == "HEAD" else body, headers=headers)
