"""The access-log middleware through httpx.ASGITransport: request ids, JSON lines, metrics."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from imgproxy.telemetry.access_log import AccessLogMiddleware, classify_route, log_fields
from imgproxy.telemetry.endpoint import MetricsEndpoint
from imgproxy.telemetry.metrics import Metrics
from imgproxy.telemetry.request_id import RequestIdFilter
from tests.imgproxy.telemetry.promql import value

ACCESS = "imgproxy.access"
CORE_FIELDS = ("time", "request_id", "method", "route", "path", "status", "bytes", "duration_ms")


def make_app(metrics: Metrics) -> AccessLogMiddleware:
    async def image(request: Request) -> Response:
        request.state.log.update(
            cache="MISS", source_bytes=1234, stages={"download": 1.5}, status="spoofed"
        )
        logging.getLogger("imgproxy.test").info("inside the request")
        in_flight = value(metrics.render()[0], "imgproxy_requests_in_progress")
        return PlainTextResponse(
            f"{request.state.request_id} {in_flight:g}", headers={"X-Request-ID": "app-made"}
        )

    async def health(request: Request) -> Response:
        failing = request.query_params.get("fail") == "1"
        return PlainTextResponse("ok", status_code=500 if failing else 200)

    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")

    async def origin_down(request: Request) -> Response:
        raise ConnectionRefusedError("origin.example: connection refused")

    async def bad_gateway(request: Request, error: Exception) -> Response:
        log_fields(request.scope)["error"] = str(error)
        return PlainTextResponse("Source is unreachable", status_code=502)

    routes = [
        Route("/health", health),
        Route("/metrics", MetricsEndpoint(metrics), methods=["GET"]),
        Route("/boom/now", boom),
        Route("/origin/down", origin_down),
        Route("/{path:path}", image, methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes, exception_handlers={ConnectionRefusedError: bad_gateway})
    return AccessLogMiddleware(app, metrics)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(process_metrics=False)


@pytest.fixture
async def client(metrics):
    transport = httpx.ASGITransport(app=make_app(metrics), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        yield client


def access_lines(caplog) -> list[dict[str, object]]:
    return [orjson.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS]


async def test_a_sane_request_id_is_kept_and_echoed(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS)
    response = await client.get("/insecure/plain/a.jpg", headers={"X-Request-ID": "Ab-1.2_x"})
    assert response.headers.get_list("x-request-id") == ["Ab-1.2_x"]  # the app's own replaced
    assert response.text.split()[0] == "Ab-1.2_x"
    assert access_lines(caplog)[0]["request_id"] == "Ab-1.2_x"


async def test_an_id_of_128_characters_is_kept(client):
    request_id = "a" * 128
    response = await client.get("/x/y", headers={"X-Request-ID": request_id})
    assert response.headers["x-request-id"] == request_id


async def test_without_an_id_one_is_made(client):
    first = await client.get("/x/y")
    second = await client.get("/x/y")
    made = first.headers["x-request-id"]
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert first.text.split()[0] == made
    assert second.headers["x-request-id"] != made


@pytest.mark.parametrize(
    "unsafe",
    [b"", b"has space", b"a" * 129, b"<script>", b"semi;colon", b"\xc3\xa9t\xc3\xa9", b"a/b"],
)
async def test_an_unsafe_id_is_replaced(client, caplog, unsafe):
    caplog.set_level(logging.INFO, logger=ACCESS)
    response = await client.get("/x/y", headers=[(b"X-Request-ID", unsafe)])
    made = response.headers["x-request-id"]
    assert made.encode() != unsafe
    assert len(made) == 32
    assert access_lines(caplog)[0]["request_id"] == made


async def test_one_json_line_per_request_with_the_apps_fields(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS)
    response = await client.get(
        "/sig/rs:fit:300:200/plain/local:///a.jpg", headers={"X-Request-ID": "r1"}
    )
    lines = access_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert list(line)[: len(CORE_FIELDS)] == list(CORE_FIELDS)
    assert line["request_id"] == "r1"
    assert line["method"] == "GET"
    assert line["route"] == "image"
    assert line["path"] == "/sig/rs:fit:300:200/plain/local:///a.jpg"
    assert line["status"] == 200  # the app cannot overwrite the middleware's fields
    assert line["bytes"] == len(response.content)
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert str(line["time"]).endswith("+00:00")
    assert line["cache"] == "MISS"
    assert line["source_bytes"] == 1234
    assert line["stages"] == {"download": 1.5}


async def test_an_error_handler_adds_the_detail_to_the_line(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS)
    response = await client.get("/origin/down")
    [line] = access_lines(caplog)
    assert response.status_code == 502
    assert (line["status"], line["error"]) == (502, "origin.example: connection refused")


def test_log_fields_are_made_when_missing():
    scope = {"type": "http"}
    log_fields(scope)["cache"] = "HIT"
    assert scope["state"]["log"] == {"cache": "HIT"}


async def test_a_long_path_is_truncated(client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS)
    await client.get("/sig/plain/" + "x" * 2000)
    path = str(access_lines(caplog)[0]["path"])
    assert len(path) == 512
    assert path.endswith("…")


async def test_probes_are_logged_at_debug_unless_they_fail(client, caplog):
    caplog.set_level(logging.DEBUG, logger=ACCESS)
    await client.get("/health")
    await client.get("/health?fail=1")
    levels = [(orjson.loads(r.getMessage())["status"], r.levelno) for r in caplog.records]
    assert levels == [(200, logging.DEBUG), (500, logging.INFO)]


async def test_nothing_is_serialised_when_the_level_is_off(client, caplog):
    caplog.set_level(logging.WARNING, logger=ACCESS)
    await client.get("/x/y")
    assert access_lines(caplog) == []


async def test_an_unhandled_error_is_logged_and_counted_as_500(client, metrics, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS)
    response = await client.get("/boom/now", headers={"X-Request-ID": "e1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "e1"
    [line] = access_lines(caplog)
    assert (line["status"], line["route"]) == (500, "image")
    body = metrics.render()[0]
    assert value(body, "imgproxy_requests_total", route="image", status="500") == 1
    assert value(body, "imgproxy_requests_in_progress") == 0


async def test_requests_are_counted_by_route_and_status(client, metrics):
    await client.get("/a/b")
    await client.head("/a/b")
    await client.get("/health")
    await client.get("/info/x/y")
    await client.get("/favicon.ico")
    body = metrics.render()[0]
    assert value(body, "imgproxy_requests_total", route="image", status="200") == 2
    assert value(body, "imgproxy_requests_total", route="health", status="200") == 1
    assert value(body, "imgproxy_requests_total", route="info", status="200") == 1
    assert value(body, "imgproxy_requests_total", route="other", status="200") == 1
    assert value(body, "imgproxy_request_duration_seconds_count", route="image") == 2


async def test_in_flight_counts_requests_but_not_scrapes(client):
    answer = await client.get("/a/b")
    assert answer.text.split()[1] == "1"  # the request itself, seen from inside
    scrape = await client.get("/metrics")
    assert value(scrape.content, "imgproxy_requests_in_progress") == 0


async def test_log_records_made_while_answering_carry_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="imgproxy.test")
    caplog.handler.addFilter(RequestIdFilter())
    await client.get("/a/b", headers={"X-Request-ID": "ctx-1"})
    [record] = [r for r in caplog.records if r.name == "imgproxy.test"]
    assert record.request_id == "ctx-1"
    logging.getLogger("imgproxy.test").warning("outside")
    assert caplog.records[-1].request_id == "-"


async def test_other_scopes_pass_through(metrics):
    events = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("startup")
        yield
        events.append("shutdown")

    app = AccessLogMiddleware(Starlette(lifespan=lifespan), metrics)
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert events == ["startup", "shutdown"]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/health", "health"),
        ("/ready", "ready"),
        ("/metrics", "metrics"),
        ("/_admin/purge", "purge"),
        ("/info/sig/plain/a.jpg", "info"),
        ("/sig/rs:fit:300/plain/a.jpg", "image"),
        ("/a/b", "image"),
        ("/health/x", "image"),
        ("/", "other"),
        ("/favicon.ico", "other"),
        ("/info", "other"),
        ("//", "other"),
    ],
)
def test_classify_route(path, route):
    assert classify_route(path) == route


def test_the_server_logging_skips_caller_thread_and_process_lookups() -> None:
    script = (
        "import logging\n"
        "from imgproxy.server import configure_logging\n"
        "configure_logging()\n"
        "found = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        found.append((record.lineno, record.thread, record.process))\n"
        "logging.getLogger('imgproxy.access').addHandler(Keep())\n"
        "logging.getLogger('imgproxy.access').info('{}')\n"
        "print(found)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "[(0, None, None)]", done.stdout
