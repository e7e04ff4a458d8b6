"""Everything the routes call, built once at start and never assigned afterwards: the shared
clients first (one Redis client, one allow-list, the origins, the pool), then what start-up
must read (the watermark, the fallback image), then the parts that take them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pyvips
from starlette.requests import Request
from starlette.responses import Response

from config.settings import Settings
from imgproxy.admin import purge_route
from imgproxy.admission import Admission
from imgproxy.caching import Caches, build_caches
from imgproxy.downloads import DownloadingOrigin, Downloads, download_slots, downloads_per_host
from imgproxy.endpoints import Endpoints
from imgproxy.fallback import Fallback, FallbackImage, load_fallback_image
from imgproxy.lifecycle import Lifecycle
from imgproxy.limiting import ClientLimiter
from imgproxy.origins import Origin, OriginRouter
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.local import LocalOrigin
from imgproxy.origins.ranges import RangedRouter
from imgproxy.origins.streaming import ByteCounter, uncounted
from imgproxy.reader import RequestReader, version_of
from imgproxy.renderer import Renderer, defaults_from
from imgproxy.security.addresses import AddressPolicy
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.service import ImageService
from imgproxy.telemetry.metrics import Metrics
from imgproxy.thumbor.endpoint import ThumborEndpoint
from imgproxy.url.source import SourceRewriter
from imgproxy.watermark import load_watermark
from transforms.executor import ProcessingPool


def build_http_origin(settings: Settings, allowed: AllowedSources, counted: ByteCounter) -> Origin:
    """IMGPROXY_HTTP_CLIENT: httpx on the event loop, or libcurl on download threads of its
    own (imported only then: pycurl is needed only by those who choose it)."""
    policy = AddressPolicy(
        allow_loopback=settings.allow_loopback_sources,
        allow_link_local=settings.allow_link_local_sources,
        allow_private=settings.allow_private_sources,
    )
    arguments: dict[str, Any] = dict(
        max_redirects=settings.max_redirects,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.download_timeout,
        user_agent=settings.user_agent,
        policy=policy,
        allowed_sources=allowed,
        counted=counted,
    )
    if settings.http_client == "curl":
        from imgproxy.origins.curl import CurlOrigin  # noqa: PLC0415 - pycurl only when chosen

        return CurlOrigin(**arguments, threads=download_slots(settings))
    return HttpOrigin(**arguments)


def build_origins(
    settings: Settings, allowed: AllowedSources, metrics: Metrics | None = None
) -> OriginRouter:
    """`metrics`, when given, counts the bytes of downloads in progress."""
    counted = uncounted if metrics is None else metrics.download_bytes
    http = build_http_origin(settings, allowed, counted)
    by_scheme: dict[str, Origin] = {"http": http, "https": http}
    if settings.use_s3:
        from imgproxy.origins.s3 import S3Origin  # noqa: PLC0415 - botocore only when chosen

        by_scheme["s3"] = S3Origin(
            endpoint=settings.s3_endpoint or None,
            region=settings.s3_region,
            path_style=settings.s3_endpoint_use_path_style,
            access_key=settings.aws_access_key_id or None,
            secret_key=settings.aws_secret_access_key or None,
            session_token=settings.aws_session_token or None,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.download_timeout,
        )
    if settings.local_filesystem_root is not None:
        by_scheme["local"] = LocalOrigin(
            settings.local_filesystem_root, threads=download_slots(settings), counted=counted
        )
    return RangedRouter(by_scheme)


@dataclass(frozen=True)
class Shared:
    """Built once, handed to every part that uses them."""

    pool: ProcessingPool
    allowed: AllowedSources
    origins: Origin
    """By scheme, unbounded: start-up reads through it, requests through the download bound."""
    caches: Caches


def build_shared(settings: Settings, metrics: Metrics) -> Shared:
    allowed = AllowedSources(settings.allowed_sources)
    return Shared(
        ProcessingPool(settings.workers_per_process),
        allowed,
        build_origins(settings, allowed, metrics),
        build_caches(settings, metrics),
    )


@dataclass(frozen=True)
class Parts:
    shared: Shared
    reader: RequestReader
    renderer: Renderer
    service: ImageService
    limiter: ClientLimiter


def assemble(
    settings: Settings,
    metrics: Metrics,
    shared: Shared,
    *,
    watermark: pyvips.Image | None = None,
    fallback_image: FallbackImage | None = None,
) -> Parts:
    """The parts, given what start-up read (`started` reads it)."""
    version = version_of(settings)
    caches, pool = shared.caches, shared.pool
    queue_size = settings.queue_size_per_process
    slots = download_slots(settings)
    downloads = Downloads(slots, queue_size, metrics, per_host=downloads_per_host(settings))
    admission = Admission(settings.workers_per_process, queue_size, metrics, read_ahead=slots)
    renderer = Renderer(
        settings,
        DownloadingOrigin(
            shared.origins,
            shared.allowed,
            downloads,
            metrics,
            timeout=settings.download_timeout,
            processing=admission,
        ),
        originals=caches.sources,
        variants=caches.variants,
        pool=pool,
        admission=admission,
        defaults=defaults_from(settings, watermark),
        metrics=metrics,
    )
    rewriter = SourceRewriter(settings.base_url, settings.url_replacements)
    fallback = Fallback(
        fallback_image,
        renderer,
        caches.variants,
        settings_version=version,
        cache_ttl=settings.cache_ttl,
        status=settings.fallback_image_http_code,
        ttl=settings.fallback_image_ttl or settings.ttl,
        rewriter=rewriter if settings.fallback_image_preprocess_url else None,
    )
    redis = None if caches.redis is None else caches.redis.client
    limiter = ClientLimiter(settings, metrics.rate_limited, redis)
    service = ImageService(
        settings,
        renderer,
        variants=caches.variants,
        coalescer=caches.coalescer,
        limiter=limiter,
        pool=pool,
        metrics=metrics,
        fallback=fallback,
    )
    return Parts(shared, RequestReader(settings, version), renderer, service, limiter)


Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Edge:
    """What the routes call."""

    endpoints: Endpoints
    thumbor: ThumborEndpoint
    purge: Handler


def edge_of(settings: Settings, parts: Parts, lifecycle: Lifecycle) -> Edge:
    reader, service, limiter = parts.reader, parts.service, parts.limiter
    return Edge(
        Endpoints(settings, reader, service, limiter, lifecycle),
        ThumborEndpoint(settings, reader, service, limiter, lifecycle),
        purge_route(settings, service),
    )


async def read_at_start(
    settings: Settings, shared: Shared
) -> tuple[pyvips.Image | None, FallbackImage | None]:
    """The watermark and the fallback image, when configured; either failing stops the
    server (SettingsError)."""
    watermark = fallback_image = None
    if settings.has_watermark:
        watermark = await load_watermark(settings, shared.origins, shared.pool)
    if settings.has_fallback_image:
        fallback_image = await load_fallback_image(settings, shared.origins, shared.pool)
    return watermark, fallback_image


@contextlib.asynccontextmanager
async def started(
    settings: Settings, metrics: Metrics, lifecycle: Lifecycle
) -> AsyncIterator[Edge]:
    """Built and running while inside; closed on the way out, also when start-up fails."""
    shared = build_shared(settings, metrics)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(shared.pool.shutdown)
        stack.push_async_callback(shared.origins.close)
        stack.push_async_callback(shared.caches.close)
        watermark, fallback_image = await read_at_start(settings, shared)
        parts = assemble(
            settings, metrics, shared, watermark=watermark, fallback_image=fallback_image
        )
        await stack.enter_async_context(shared.caches.running())
        yield edge_of(settings, parts, lifecycle)
