"""An exception no handler knows is a bug: counted by route, logged once with its traceback,
answered with the short 500 every error gets; a half-sent response goes to the server."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from config.settings import Settings
from imgproxy.app import create_app, error_handler, error_responder
from imgproxy.errors import NotFound, ProxyError
from imgproxy.hits import CachedHits
from imgproxy.telemetry.access_log import AccessLogMiddleware
from imgproxy.telemetry.metrics import Metrics
from imgproxy.telemetry.unexpected import UnexpectedErrorMiddleware


class Broken(Exception):
    pass


async def broken(request: Request) -> Response:
    raise Broken("a bug")


async def missing(request: Request) -> Response:
    raise NotFound()


class HalfSent:
    """An ASGI endpoint that fails after starting its response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise Broken("after the start")


def app_with(metrics: Metrics) -> Starlette:
    settings = Settings.from_env({})
    app = Starlette(
        routes=[
            Route("/info/broken", broken),
            Route("/broken/image", broken),
            Route("/missing/image", missing),
            Route("/half/sent", HalfSent()),
        ],
        exception_handlers={ProxyError: error_handler(settings)},
    )
    app.add_middleware(
        UnexpectedErrorMiddleware, metrics=metrics, respond=error_responder(settings)
    )
    app.add_middleware(AccessLogMiddleware, metrics=metrics)
    return app


def counted(metrics: Metrics, route: str) -> float:
    name = "imgproxy_unexpected_errors_total"
    return metrics.registry.get_sample_value(name, {"route": route}) or 0.0


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(process_metrics=False)


async def request(app: Starlette, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        return await client.request(method, path)


async def test_a_bug_is_counted_logged_once_and_answered_500(
    metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await request(app_with(metrics), "GET", "/broken/image")
    assert response.status_code == 500
    assert response.text == "Internal error\n"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-request-id"]
    assert counted(metrics, "image") == 1
    assert metrics.unexpected_errors() == 1
    tracebacks = [record.exc_info for record in caplog.records if record.exc_info]
    assert [kind for kind, _, _ in tracebacks] == [Broken]
    access = [record for record in caplog.records if record.name == "imgproxy.access"]
    assert '"status":500' in access[0].getMessage()
    assert '"error":"unexpected Broken"' in access[0].getMessage()


async def test_head_gets_no_body_and_the_route_kind_is_the_label(metrics: Metrics) -> None:
    response = await request(app_with(metrics), "HEAD", "/info/broken")
    assert response.status_code == 500
    assert response.content == b""
    assert counted(metrics, "info") == 1
    assert counted(metrics, "image") == 0


async def test_an_error_of_the_hierarchy_is_not_a_bug(metrics: Metrics) -> None:
    response = await request(app_with(metrics), "GET", "/missing/image")
    assert response.status_code == 404
    assert metrics.unexpected_errors() == 0


async def test_after_the_response_started_the_exception_goes_on_to_the_server(
    metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(Broken):
        await request(app_with(metrics), "GET", "/half/sent")
    assert counted(metrics, "other") == 0
    assert counted(metrics, "image") == 1  # "/half/sent" has a slash inside: an image path
    assert not [record for record in caplog.records if record.exc_info]


def test_the_app_puts_it_around_the_hit_path_and_the_router() -> None:
    app = create_app(Settings.from_env({}))
    classes: list[object] = [middleware.cls for middleware in app.user_middleware]
    assert classes[-2:] == [UnexpectedErrorMiddleware, CachedHits]
    assert classes[0] is AccessLogMiddleware


async def test_every_route_starts_at_zero(metrics: Metrics) -> None:
    body = metrics.render()[0].decode()
    for route in ("image", "info", "health", "ready", "metrics", "purge", "other"):
        assert f'imgproxy_unexpected_errors_total{{route="{route}"}} 0.0' in body
