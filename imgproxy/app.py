"""The Starlette application: routes, the one error handler, start-up and shutdown."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from cache.http import error_headers
from config.settings import Settings
from imgproxy.admin import purge_route
from imgproxy.caching import build_caches
from imgproxy.cors import CorsMiddleware
from imgproxy.endpoints import Endpoints
from imgproxy.errors import ProxyError
from imgproxy.fallback import build_fallback
from imgproxy.lifecycle import Lifecycle
from imgproxy.memory_release import memory_released_every
from imgproxy.origins import Origin, OriginRouter
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.local import LocalOrigin
from imgproxy.origins.s3 import S3Origin
from imgproxy.playground import playground_routes, server_timing
from imgproxy.responses import policy_of
from imgproxy.security.addresses import AddressPolicy
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.security.secret import SecretHeaderMiddleware
from imgproxy.service import ImageService, defaults_from
from imgproxy.telemetry import AccessLogMiddleware, Metrics, MetricsEndpoint, log_fields
from imgproxy.thumbor.endpoint import ThumborEndpoint
from imgproxy.watermark import load_watermark
from transforms.executor import ProcessingPool, configure_libvips

log = logging.getLogger("imgproxy")
INFO_PREFIX = "/info"


def build_origins(settings: Settings) -> OriginRouter:
    http = HttpOrigin(
        max_redirects=settings.max_redirects,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.download_timeout,
        user_agent=settings.user_agent,
        policy=AddressPolicy(
            allow_loopback=settings.allow_loopback_sources,
            allow_link_local=settings.allow_link_local_sources,
            allow_private=settings.allow_private_sources,
        ),
        allowed_sources=AllowedSources(settings.allowed_sources),
    )
    by_scheme: dict[str, Origin] = {"http": http, "https": http}
    if settings.use_s3:
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
        by_scheme["local"] = LocalOrigin(settings.local_filesystem_root)
    return OriginRouter(by_scheme)


def error_handler(settings: Settings) -> Callable[[Request, Exception], Response]:
    policy = policy_of(settings)

    def error_response(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProxyError)
        log_fields(request.scope)["error"] = error.detail
        level = logging.WARNING if error.status >= 500 else logging.INFO
        log.log(
            level, "%s %s -> %d %s", request.method, request.url.path, error.status, error.detail
        )
        body = "" if request.method == "HEAD" else error.message + "\n"
        headers = error_headers(error.status, error.retry_after, policy)
        return PlainTextResponse(body, status_code=error.status, headers=headers)

    return error_response


def warn_about_unsigned_urls(settings: Settings) -> None:
    if not settings.signing_enabled:
        log.warning("=" * 72)
        log.warning("IMGPROXY_KEY and IMGPROXY_SALT are not set: URL SIGNATURES ARE OFF.")
        log.warning("Anyone can make this server fetch and process any source URL.")
        log.warning("=" * 72)
    if settings.source_url_encryption_key and not settings.signing_enabled:
        log.warning(
            "Encrypted source URLs without signatures invite a padding-oracle "
            "attack: set IMGPROXY_KEY and IMGPROXY_SALT"
        )


def build_routes(
    settings: Settings,
    service: ImageService,
    endpoints: Endpoints,
    metrics: Metrics,
    lifecycle: Lifecycle,
) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/health", endpoints.health, methods=["GET", "HEAD"]),
        Route("/ready", endpoints.ready, methods=["GET", "HEAD"]),
    ]
    if not settings.prometheus_bind:
        routes.append(Route("/metrics", MetricsEndpoint(metrics), methods=["GET", "HEAD"]))
    if settings.admin_token:
        routes.append(Route("/_admin/purge", purge_route(settings, service), methods=["POST"]))
    routes.extend(playground_routes(settings))
    if settings.thumbor_enabled:
        routes.extend(ThumborEndpoint(settings, service, lifecycle).routes())
    routes.append(Route("/{path:path}", endpoints.image, methods=["GET", "HEAD"]))
    return routes


def create_app(settings: Settings, metrics: Metrics | None = None) -> Starlette:
    configure_libvips()
    metrics = metrics or Metrics(
        settings.prometheus_namespace,
        multiprocess_dir=settings.prometheus_multiproc_dir or None,
    )
    pool = ProcessingPool(settings.workers_per_process)
    lifecycle = Lifecycle()
    origins = build_origins(settings)
    caches = build_caches(settings)
    service = ImageService(settings, origins, pool, caches, metrics=metrics)

    endpoints = Endpoints(settings, service, pool, lifecycle)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        warn_about_unsigned_urls(settings)
        if settings.has_watermark:
            mark = await load_watermark(settings, origins, pool)
            service.defaults = defaults_from(settings, mark)
        service.fallback = await build_fallback(settings, origins, pool, service)
        caches.start()
        metrics_server = None
        if settings.prometheus_bind:
            host, _, port = settings.prometheus_bind.rpartition(":")
            metrics_server = metrics.serve(host.strip("[]") or "0.0.0.0", int(port))
        try:
            async with memory_released_every(settings.free_memory_interval):
                yield
        finally:
            if metrics_server is not None:
                metrics_server.shutdown()
                metrics_server.server_close()
            await caches.close()
            await service.limiter.close()
            await origins.close()
            pool.shutdown()

    routes = build_routes(settings, service, endpoints, metrics, lifecycle)
    app = Starlette(
        routes=routes,
        exception_handlers={ProxyError: error_handler(settings)},
        lifespan=lifespan,
    )
    app.state.lifecycle = lifecycle
    if settings.secret:
        app.add_middleware(SecretHeaderMiddleware, secret=settings.secret)
    # Outside the secret check: a CORS preflight carries no Authorization header.
    app.add_middleware(CorsMiddleware, allow_origin=settings.allow_origin)
    app.add_middleware(server_timing, enabled=settings.playground)
    app.add_middleware(AccessLogMiddleware, metrics=metrics)  # added last: outermost
    return app
