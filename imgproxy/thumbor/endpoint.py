"""The thumbor routes: images and `meta/` under the prefix, and `/healthcheck`."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cache.http import cache_control
from cache.keys import negotiated_format, source_key, variant_key
from config.settings import Settings
from imgproxy.endpoints import guarded
from imgproxy.errors import InvalidPath, UnsupportedFormat
from imgproxy.lifecycle import Lifecycle
from imgproxy.origins import Original
from imgproxy.responses import (
    conditions_of,
    image_response,
    policy_of,
    raw_path_of,
)
from imgproxy.results import Variant
from imgproxy.service import OUTPUT_FORMATS, ImageService
from imgproxy.telemetry import log_fields
from imgproxy.thumbor.grammar import parse_path
from imgproxy.thumbor.mapping import ThumborRequest, to_request
from imgproxy.thumbor.meta import describe
from imgproxy.thumbor.signing import ThumborVerifier, split_signature
from imgproxy.url.options import Asset, ImageRequest, Options

CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")


class ThumborEndpoint:
    def __init__(self, settings: Settings, service: ImageService, lifecycle: Lifecycle) -> None:
        self.settings = settings
        self.service = service
        self.lifecycle = lifecycle
        self.prefix = settings.thumbor_path_prefix
        self.verifier = ThumborVerifier(settings.thumbor_key, settings.thumbor_allow_unsafe)

    def routes(self) -> list[Route]:
        health = Route(self.prefix + "/healthcheck", self.healthcheck, methods=["GET", "HEAD"])
        root_health = Route("/healthcheck", self.healthcheck, methods=["GET", "HEAD"])
        image = Route(self.prefix + "/{path:path}", self.image, methods=["GET", "HEAD"])
        return [health, root_health, image]

    async def healthcheck(self, request: Request) -> Response:
        return PlainTextResponse("WORKING", headers={"Cache-Control": "no-cache"})

    async def image(self, request: Request) -> Response:
        return await guarded(request, self.serve, self.settings, self.service, self.lifecycle)

    def parse(self, request: Request) -> ThumborRequest:
        raw = raw_path_of(request)
        if not raw.startswith(self.prefix + "/"):
            raise InvalidPath(detail=f"outside {self.prefix}: {raw}")
        signature, rest = split_signature(raw[len(self.prefix) :])
        self.verifier.verify(signature, rest)
        return to_request(parse_path(rest))

    async def serve(self, request: Request) -> Response:
        parsed = self.parse(request)
        if parsed.meta:
            return await self.meta(request, parsed)
        options = parsed.options
        if options.format is not None and options.format not in OUTPUT_FORMATS:
            raise UnsupportedFormat(f"Cannot write {options.format.value} images")
        if parsed.asset_urls:
            options = replace(options, assets=await self.assets(parsed.asset_urls))
        variant = self.variant(options, parsed.source, request.headers.get("accept", ""))
        conditions = conditions_of(request, self.settings)
        client = self.service.limiter.key(request.scope)
        result = await self.service.process(variant, conditions, client)
        log_fields(request.scope)["cache"] = result.cache_status
        response = image_response(result, request, self.settings)
        if parsed.max_age is not None:
            policy = replace(policy_of(self.settings), ttl=parsed.max_age)
            response.headers["Cache-Control"] = cache_control(policy, None, time.time())
        return response

    def variant(self, options: Options, source: str, accept: str) -> Variant:
        """As `ImageService.parse` builds it (thumbor's own fields are in `canonical_options`)."""
        negotiation = self.service.negotiation
        choice = negotiation.choose(options.format, accept)
        requested = negotiated_format(negotiation, options.format, accept)
        key = variant_key(options, source, requested, self.service.settings_version)
        return Variant(ImageRequest(options, source), choice, key, source_key(source))

    async def original(self, url: str) -> Original:
        """Through the sources cache and the same allow-list, address policy and size cap."""
        request = ImageRequest(Options(), url)
        return await self.service.caches.sources.fetch(url, lambda: self.service.fetch(request))

    async def assets(self, urls: tuple[tuple[str, str], ...]) -> tuple[Asset, ...]:
        found = []
        for role, url in urls:
            original = await self.service.within_deadline(self.original(url), url)
            found.append(Asset(role, url, original.data))
        return tuple(found)

    async def meta(self, request: Request, parsed: ThumborRequest) -> Response:
        async def work() -> dict[str, object]:
            original = await self.original(parsed.source)
            return await self.service.pool.run(
                describe,
                original.data,
                parsed.options,
                parsed.source,
                max_pixels=self.settings.max_src_pixels,
                auto_rotate=self.settings.auto_rotate,
            )

        document = await self.service.within_deadline(work(), parsed.source)
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
