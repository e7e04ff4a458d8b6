"""The Starlette application: routes, the one error handler, start-up and shutdown."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cache.http import cache_control, error_headers, etag_matches, success_headers
from config.settings import Settings
from imgproxy.errors import InvalidPath, ProxyError
from imgproxy.health import libvips_works
from imgproxy.origins import Origin, OriginRouter
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.local import LocalOrigin
from imgproxy.service import ImageResult, ImageService
from transforms.executor import ProcessingPool, configure_libvips

log = logging.getLogger("imgproxy")


def build_origins(settings: Settings) -> OriginRouter:
    http = HttpOrigin(
        max_bytes=settings.max_src_file_size,
        max_redirects=settings.max_redirects,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.download_timeout,
        user_agent=settings.user_agent,
    )
    by_scheme: dict[str, Origin] = {"http": http, "https": http}
    if settings.local_filesystem_root is not None:
        by_scheme["local"] = LocalOrigin(
            settings.local_filesystem_root, max_bytes=settings.max_src_file_size
        )
    return OriginRouter(by_scheme)


def raw_path_of(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    try:
        return bytes(raw).split(b"?", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPath(detail="Path is not UTF-8") from None


def image_response(result: ImageResult, request: Request, settings: Settings) -> Response:
    options = result.request.options
    headers = success_headers(
        media_type=result.rendered.format.media_type,
        etag=result.etag if settings.use_etag else None,
        cache_control_value=cache_control(settings.ttl, options.expires, time.time()),
        vary=result.choice.varies,
        filename=result.filename,
    )
    if settings.use_etag and etag_matches(request.headers.get("if-none-match"), result.etag):
        del headers["Content-Type"], headers["Content-Disposition"]
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(result.rendered.data))
    body = b"" if request.method == "HEAD" else result.rendered.data
    return Response(body, headers=headers)


def error_response(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProxyError)
    level = logging.WARNING if error.status >= 500 else logging.INFO
    log.log(level, "%s %s -> %d %s", request.method, request.url.path, error.status, error.detail)
    body = "" if request.method == "HEAD" else error.message + "\n"
    return PlainTextResponse(
        body, status_code=error.status, headers=error_headers(error.retry_after)
    )


def create_app(settings: Settings) -> Starlette:
    configure_libvips()
    pool = ProcessingPool(settings.workers)
    origins = build_origins(settings)
    service = ImageService(settings, origins, pool)

    async def health(request: Request) -> Response:
        healthy = await pool.run(libvips_works)
        return PlainTextResponse(
            "imgproxy-py is running\n" if healthy else "libvips failed\n",
            status_code=200 if healthy else 500,
            headers={"Cache-Control": "no-cache"},
        )

    async def image(request: Request) -> Response:
        image_request, choice = service.parse(
            raw_path_of(request), request.headers.get("accept", "")
        )
        result = await service.process(image_request, choice)
        return image_response(result, request, settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if not settings.signing_enabled:
            log.warning("=" * 72)
            log.warning("IMGPROXY_KEY and IMGPROXY_SALT are not set: URL SIGNATURES ARE OFF.")
            log.warning("Anyone can make this server fetch and process any source URL.")
            log.warning("=" * 72)
        try:
            yield
        finally:
            await origins.close()
            pool.shutdown()

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET", "HEAD"]),
            Route("/{path:path}", image, methods=["GET", "HEAD"]),
        ],
        exception_handlers={ProxyError: error_response},
        lifespan=lifespan,
    )
