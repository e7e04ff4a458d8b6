"""The Starlette application: routes, the one error handler, start-up and shutdown."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import quote

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cache.http import CachePolicy, Conditions, cache_control, error_headers, success_headers
from config.settings import Settings
from imgproxy.admin import purge_route
from imgproxy.caching import build_caches
from imgproxy.errors import InvalidPath, ProxyError
from imgproxy.health import libvips_works
from imgproxy.origins import Origin, OriginRouter
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.local import LocalOrigin
from imgproxy.service import ImageResult, ImageService, defaults_from
from imgproxy.watermark import load_watermark
from transforms.executor import ProcessingPool, configure_libvips
from transforms.inspect import inspect

log = logging.getLogger("imgproxy")
INFO_PREFIX = "/info"


def build_origins(settings: Settings) -> OriginRouter:
    http = HttpOrigin(
        max_redirects=settings.max_redirects,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.download_timeout,
        user_agent=settings.user_agent,
    )
    by_scheme: dict[str, Origin] = {"http": http, "https": http}
    if settings.local_filesystem_root is not None:
        by_scheme["local"] = LocalOrigin(settings.local_filesystem_root)
    return OriginRouter(by_scheme)


def raw_path_of(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    try:
        return bytes(raw).split(b"?", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPath(detail="Path is not UTF-8") from None


def content_disposition(result: ImageResult) -> str:
    kind = "attachment" if result.request.options.return_attachment else "inline"
    name = result.filename
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    if ascii_name == name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def conditions_of(request: Request) -> Conditions:
    return Conditions(
        request.headers.get("if-none-match"), request.headers.get("if-modified-since")
    )


def policy_of(settings: Settings) -> CachePolicy:
    return CachePolicy(
        settings.ttl,
        settings.stale_while_revalidate,
        settings.stale_if_error,
        settings.not_found_ttl,
    )


def image_response(result: ImageResult, request: Request, settings: Settings) -> Response:
    options = result.request.options
    headers = success_headers(
        media_type=result.media_type,
        etag=result.etag if settings.use_etag else None,
        cache_control_value=cache_control(policy_of(settings), options.expires, time.time()),
        vary=result.variant.choice.varies,
        disposition=content_disposition(result),
        last_modified=result.last_modified,
        surrogate_key=result.variant.source_key,
    )
    headers["X-Cache"] = result.cache_status
    if result.age is not None:
        headers["Age"] = str(result.age)
    if result.cache_status == "STALE":
        headers["Warning"] = '110 - "Response is Stale"'
    if result.not_modified:
        del headers["Content-Type"], headers["Content-Disposition"]
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(result.data))
    body = b"" if request.method == "HEAD" else result.data
    return Response(body, headers=headers)


def error_handler(settings: Settings) -> Callable[[Request, Exception], Response]:
    policy = policy_of(settings)

    def error_response(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProxyError)
        level = logging.WARNING if error.status >= 500 else logging.INFO
        log.log(
            level, "%s %s -> %d %s", request.method, request.url.path, error.status, error.detail
        )
        body = "" if request.method == "HEAD" else error.message + "\n"
        headers = error_headers(error.status, error.retry_after, policy)
        return PlainTextResponse(body, status_code=error.status, headers=headers)

    return error_response


def create_app(settings: Settings) -> Starlette:
    configure_libvips()
    pool = ProcessingPool(settings.workers)
    origins = build_origins(settings)
    caches = build_caches(settings)
    service = ImageService(settings, origins, pool, caches)

    async def health(request: Request) -> Response:
        healthy = await pool.run(libvips_works)
        return PlainTextResponse(
            "imgproxy-py is running\n" if healthy else "libvips failed\n",
            status_code=200 if healthy else 500,
            headers={"Cache-Control": "no-cache"},
        )

    async def image(request: Request) -> Response:
        path = raw_path_of(request)
        if path.startswith(INFO_PREFIX + "/"):
            return await info(request, path[len(INFO_PREFIX) :])
        variant = service.parse(path, request.headers.get("accept", ""))
        conditions = conditions_of(request) if settings.use_etag else Conditions()
        result = await service.process(variant, conditions)
        return image_response(result, request, settings)

    async def info(request: Request, path: str) -> Response:
        image_request = service.parse(path, "").request
        limits = service.defaults.limits.narrowed_by(image_request.options)

        async def describe() -> dict[str, object]:
            original = await service.fetch(image_request)
            return await pool.run(inspect, original.data, limits)

        document = await service.within_deadline(describe(), image_request.source)
        body = orjson.dumps(document)
        headers = {
            "Cache-Control": cache_control(
                policy_of(settings), image_request.options.expires, time.time()
            ),
            "Content-Type": "application/json",
        }
        return Response(b"" if request.method == "HEAD" else body, headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if not settings.signing_enabled:
            log.warning("=" * 72)
            log.warning("IMGPROXY_KEY and IMGPROXY_SALT are not set: URL SIGNATURES ARE OFF.")
            log.warning("Anyone can make this server fetch and process any source URL.")
            log.warning("=" * 72)
        if settings.has_watermark:
            mark = await load_watermark(settings, origins, pool)
            service.defaults = defaults_from(settings, mark)
        caches.start()
        try:
            yield
        finally:
            await caches.close()
            await origins.close()
            pool.shutdown()

    routes = [Route("/health", health, methods=["GET", "HEAD"])]
    if settings.admin_token:
        routes.append(Route("/_admin/purge", purge_route(settings, service), methods=["POST"]))
    routes.append(Route("/{path:path}", image, methods=["GET", "HEAD"]))
    return Starlette(
        routes=routes,
        exception_handlers={ProxyError: error_handler(settings)},
        lifespan=lifespan,
    )
