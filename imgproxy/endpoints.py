"""The HTTP endpoints: image, info, health, readiness."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from cache.http import cache_control
from config.settings import Settings
from imgproxy.errors import ServiceUnavailable, UrlTooLong
from imgproxy.lifecycle import Lifecycle
from imgproxy.limiting import ClientLimiter
from imgproxy.reader import RequestReader
from imgproxy.responses import (
    cancel_on_disconnect,
    conditions_of,
    image_response,
    policy_of,
    raw_path_of,
)
from imgproxy.service import ImageService
from imgproxy.telemetry import log_fields

INFO_PREFIX = "/info"


class ImageRoutes:
    """What the endpoints of both dialects hold, and what each image route does around its
    own work."""

    def __init__(
        self,
        settings: Settings,
        reader: RequestReader,
        service: ImageService,
        limiter: ClientLimiter,
        lifecycle: Lifecycle,
    ) -> None:
        self.settings = settings
        self.reader = reader
        self.service = service
        self.limiter = limiter
        self.lifecycle = lifecycle

    async def guarded(
        self, request: Request, serve: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Refuse while draining and past the URL length, rate-limit everything when asked,
        count the request in flight, and cancel the work when the client goes away."""
        if self.lifecycle.draining:
            raise ServiceUnavailable("Draining", detail="request arrived while draining")
        max_length = self.settings.max_url_length
        if len(request.scope.get("raw_path", b"")) > max_length:
            raise UrlTooLong(detail=f"over {max_length} bytes")
        await self.limiter.limit_every_request(request.scope)
        self.lifecycle.in_flight += 1
        try:
            return await cancel_on_disconnect(request, serve(request))
        finally:
            self.lifecycle.in_flight -= 1


class Endpoints(ImageRoutes):
    async def health(self, request: Request) -> Response:
        healthy = await self.service.healthy()
        return PlainTextResponse(
            "imgproxy-py is running\n" if healthy else "libvips failed\n",
            status_code=200 if healthy else 500,
            headers={"Cache-Control": "no-cache"},
        )

    async def ready(self, request: Request) -> Response:
        status, text = (200, "ready\n") if self.lifecycle.ready else (503, "draining\n")
        return PlainTextResponse(text, status_code=status, headers={"Cache-Control": "no-store"})

    async def image(self, request: Request) -> Response:
        return await self.guarded(request, self.serve_image)

    async def serve_image(self, request: Request) -> Response:
        path = raw_path_of(request)
        if path.startswith(INFO_PREFIX + "/"):
            return await self.info(request, path[len(INFO_PREFIX) :])
        variant = self.reader.read(path, request.headers.get("accept", ""), request.headers)
        conditions = conditions_of(request, self.settings)
        client = self.limiter.key(request.scope)
        result = await self.service.process(variant, conditions, client)
        log_fields(request.scope)["cache"] = result.cache_status
        return image_response(result, request, self.settings)

    async def info(self, request: Request, path: str) -> Response:
        image_request = self.reader.read(path, "").request
        document = await self.service.info(image_request, self.limiter.key(request.scope))
        body = orjson.dumps(document)
        headers = {
            "Cache-Control": cache_control(
                policy_of(self.settings), image_request.options.expires, time.time()
            ),
            "Content-Type": "application/json",
        }
        return Response(b"" if request.method == "HEAD" else body, headers=headers)
