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
from imgproxy.building import Edge, Handler, started
from imgproxy.cors import CorsMiddleware
from imgproxy.errors import ProxyError
from imgproxy.hits import CachedHits
from imgproxy.lifecycle import Lifecycle
from imgproxy.memory_release import memory_released_every
from imgproxy.playground import playground_routes, server_timing
from imgproxy.responses import policy_of
from imgproxy.security.secret import SecretHeaderMiddleware
from imgproxy.startup_checks import check
from imgproxy.telemetry.access_log import AccessLogMiddleware, log_fields
from imgproxy.telemetry.endpoint import MetricsEndpoint
from imgproxy.telemetry.metrics import Metrics
from imgproxy.telemetry.unexpected import UnexpectedErrorMiddleware
from imgproxy.thumbor.endpoint import healthcheck
from transforms.executor import configure_libvips

log = logging.getLogger("imgproxy")


def error_responder(settings: Settings) -> Callable[[Request, ProxyError], Response]:
    """The one response of every error: its status, public message and headers."""
    policy = policy_of(settings)

    def respond(request: Request, error: ProxyError) -> Response:
        body = "" if request.method == "HEAD" else error.message + "\n"
        headers = error_headers(error.status, error.retry_after, policy)
        return PlainTextResponse(body, status_code=error.status, headers=headers)

    return respond


def error_handler(settings: Settings) -> Callable[[Request, Exception], Response]:
    respond = error_responder(settings)

    def error_response(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProxyError)
        log_fields(request.scope)["error"] = error.detail
        level = logging.WARNING if error.status >= 500 else logging.INFO
        log.log(
            level, "%s %s -> %d %s", request.method, request.url.path, error.status, error.detail
        )
        return respond(request, error)

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


def on_edge(pick: Callable[[Edge], Handler]) -> Handler:
    """A route to a handler of the parts built at start (the lifespan's state)."""

    async def handle(request: Request) -> Response:
        edge: Edge = request.state.edge
        return await pick(edge)(request)

    return handle


def build_routes(settings: Settings, metrics: Metrics) -> list[BaseRoute]:
    read = ["GET", "HEAD"]
    routes: list[BaseRoute] = [
        Route("/health", on_edge(lambda edge: edge.endpoints.health), methods=read),
        Route("/ready", on_edge(lambda edge: edge.endpoints.ready), methods=read),
    ]
    if not settings.prometheus_bind:
        routes.append(Route("/metrics", MetricsEndpoint(metrics), methods=read))
    if settings.admin_token:
        routes.append(Route("/_admin/purge", on_edge(lambda edge: edge.purge), methods=["POST"]))
    routes.extend(playground_routes(settings))
    if settings.thumbor_enabled:
        prefix = settings.thumbor_path_prefix
        routes += [
            Route(prefix + "/healthcheck", healthcheck, methods=read),
            Route("/healthcheck", healthcheck, methods=read),
            Route(prefix + "/{path:path}", on_edge(lambda edge: edge.thumbor.image), methods=read),
        ]
    routes.append(Route("/{path:path}", on_edge(lambda edge: edge.endpoints.image), methods=read))
    return routes


def create_app(settings: Settings, metrics: Metrics | None = None) -> Starlette:
    check(settings)
    configure_libvips()
    metrics = metrics or Metrics(
        settings.prometheus_namespace,
        multiprocess_dir=settings.prometheus_multiproc_dir or None,
    )
    lifecycle = Lifecycle()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[dict[str, Edge]]:
        warn_about_unsigned_urls(settings)
        async with started(settings, metrics, lifecycle) as edge:
            metrics_server = None
            if settings.prometheus_bind:
                host, _, port = settings.prometheus_bind.rpartition(":")
                metrics_server = metrics.serve(host.strip("[]") or "0.0.0.0", int(port))
            try:
                async with memory_released_every(settings.free_memory_interval):
                    yield {"edge": edge}
            finally:
                if metrics_server is not None:
                    metrics_server.shutdown()
                    metrics_server.server_close()

    routes = build_routes(settings, metrics)
    app = Starlette(
        routes=routes,
        exception_handlers={ProxyError: error_handler(settings)},
        lifespan=lifespan,
    )
    app.state.lifecycle = lifecycle
    # Innermost: a fresh cached result is answered before the router (the image route is last).
    app.add_middleware(CachedHits, other_routes=routes[:-1])
    # Around it: any other exception is a bug, counted and answered 500 here.
    app.add_middleware(
        UnexpectedErrorMiddleware, metrics=metrics, respond=error_responder(settings)
    )
    if settings.secret:
        app.add_middleware(SecretHeaderMiddleware, secret=settings.secret)
    # Outside the secret check: a CORS preflight carries no Authorization header.
    app.add_middleware(CorsMiddleware, allow_origin=settings.allow_origin)
    app.add_middleware(server_timing, enabled=settings.playground)
    app.add_middleware(AccessLogMiddleware, metrics=metrics)  # added last: outermost
    return app
