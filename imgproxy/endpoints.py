"""The HTTP endpoints: image, info, health, readiness."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Scope

from config.settings import Settings
from imgproxy.errors import ProxyError, ServiceUnavailable, UrlTooLong
from imgproxy.info_requests import InfoReader
from imgproxy.info_responses import info_response
from imgproxy.lifecycle import Lifecycle
from imgproxy.limiting import ClientLimiter
from imgproxy.reader import RequestReader
from imgproxy.responses import (
    Answer,
    cancel_on_disconnect,
    conditions_of,
    image_answer,
    image_response,
    path_of,
    raw_path_of,
)
from imgproxy.service import ImageService
from imgproxy.telemetry.access_log import log_fields

INFO_PREFIX = "/info"
LOOKUP = "lookup"
"""Where `cached_answer` leaves what the tiers held for the image route (`scope["state"]`)."""


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
    def __init__(
        self,
        settings: Settings,
        reader: RequestReader,
        service: ImageService,
        limiter: ClientLimiter,
        lifecycle: Lifecycle,
    ) -> None:
        super().__init__(settings, reader, service, limiter, lifecycle)
        self.info_reader = InfoReader(settings, reader.settings_version)

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

    async def cached_answer(self, scope: Scope) -> Answer | None:
        """The answer for an image URL whose result is fresh in a result tier (`CachedHits`);
        None for anything else, which the image route then serves. What the tiers said is
        kept in the scope for it."""
        if self.lifecycle.draining or self.limiter.applies_to_all:
            return None
        if len(scope.get("raw_path", b"")) > self.settings.max_url_length:
            return None
        headers = Headers(scope=scope)
        try:
            path = path_of(scope)
            if path.startswith(INFO_PREFIX + "/"):
                return None
            variant = self.reader.read(path, headers.get("accept", ""), headers)
        except ProxyError:
            return None
        self.lifecycle.in_flight += 1
        try:
            conditions = conditions_of(headers, self.settings)
            result, looked_up = await self.service.cached(variant, conditions)
        finally:
            self.lifecycle.in_flight -= 1
        if result is None:
            scope.setdefault("state", {})[LOOKUP] = looked_up
            return None
        log_fields(scope)["cache"] = result.cache_status
        return image_answer(result, self.settings, head=scope["method"] == "HEAD")

    async def serve_image(self, request: Request) -> Response:
        path = raw_path_of(request)
        if path.startswith(INFO_PREFIX + "/"):
            return await self.info(request, path[len(INFO_PREFIX) :])
        variant = self.reader.read(path, request.headers.get("accept", ""), request.headers)
        conditions = conditions_of(request.headers, self.settings)
        client = self.limiter.key(request.scope)
        looked_up = request.scope.get("state", {}).pop(LOOKUP, None)
        result = await self.service.process(variant, conditions, client, looked_up)
        log_fields(request.scope)["cache"] = result.cache_status
        return image_response(result, request, self.settings)

    async def info(self, request: Request, path: str) -> Response:
        variant = self.info_reader.read(path)
        conditions = conditions_of(request.headers, self.settings)
        client = self.limiter.key(request.scope)
        result = await self.service.info(variant, conditions, client)
        log_fields(request.scope)["cache"] = result.cache_status
        return info_response(result, self.settings, head=request.method == "HEAD")
