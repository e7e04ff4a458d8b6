"""Pure ASGI middleware: request id, one JSON access line per request, request metrics.

Outermost, so it sees every response the app sends, errors included. The app adds its own
fields for the line to the dict in `scope["state"]["log"]` (Starlette: `request.state.log`);
the middleware's fields win over the app's on a name clash.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imgproxy.telemetry.labels import Route
from imgproxy.telemetry.line_batches import line_writer
from imgproxy.telemetry.metrics import Metrics
from imgproxy.telemetry.request_id import HEADER, current_request_id, request_id_from

FIXED_ROUTES: Final[Mapping[str, Route]] = {
    "/health": "health",
    "/ready": "ready",
    "/metrics": "metrics",
    "/_admin/purge": "purge",
}
QUIET_ROUTES: Final[frozenset[Route]] = frozenset({"health", "ready", "metrics"})
"""Probes and scrapes: logged at DEBUG unless they fail."""
MAX_PATH = 512
CLIENT_CLOSED = 499


@dataclass
class Exchange:
    """One request as the middleware sees it. Status 0 until the response starts; a request
    that ends without one is logged as 500 (499 when cancelled)."""

    request_id: str
    route: Route
    started: float = field(default_factory=time.perf_counter)
    status: int = 0
    sent: int = 0


def classify_route(path: str) -> Route:
    fixed = FIXED_ROUTES.get(path)
    if fixed is not None:
        return fixed
    if path.startswith("/info/"):
        return "info"
    return "image" if "/" in path.strip("/") else "other"


def log_fields(scope: Scope) -> dict[str, Any]:
    """The request's extra access-log fields (`scope["state"]["log"]`), created if missing."""
    fields: dict[str, Any] = scope.setdefault("state", {}).setdefault("log", {})
    return fields


def truncate(path: str, limit: int = MAX_PATH) -> str:
    return path if len(path) <= limit else path[: limit - 1] + "…"


class AccessLogMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        *,
        logger: logging.Logger | None = None,
        quiet_routes: frozenset[Route] = QUIET_ROUTES,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.logger = logger or logging.getLogger("imgproxy.access")
        self.quiet_routes = quiet_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = Exchange(request_id_from(scope["headers"]), classify_route(scope["path"]))
        state = scope.setdefault("state", {})
        state["request_id"] = exchange.request_id
        state["log"] = {}
        id_header = (HEADER, exchange.request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                headers = [pair for pair in message.get("headers", ()) if pair[0].lower() != HEADER]
                message = {**message, "headers": [*headers, id_header]}
            elif message["type"] == "http.response.body":
                exchange.sent += len(message.get("body", b""))
            await send(message)

        token = current_request_id.set(exchange.request_id)
        counted = exchange.route != "metrics"
        if counted:
            self.metrics.in_flight_change(1)
        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            exchange.status = exchange.status or CLIENT_CLOSED
            raise
        finally:
            if counted:
                self.metrics.in_flight_change(-1)
            current_request_id.reset(token)
            seconds = time.perf_counter() - exchange.started
            self.metrics.request(exchange.route, exchange.status or 500, seconds)
            self.log(scope, exchange, seconds)

    def log(self, scope: Scope, exchange: Exchange, seconds: float) -> None:
        status = exchange.status or 500
        quiet = exchange.route in self.quiet_routes and status < 400
        level = logging.DEBUG if quiet else logging.INFO
        if not self.logger.isEnabledFor(level):
            return
        line: dict[str, object] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": exchange.request_id,
            "method": scope["method"],
            "route": exchange.route,
            "path": truncate(scope["path"]),
            "status": status,
            "bytes": exchange.sent,
            "duration_ms": round(seconds * 1000, 3),
        }
        fields = scope["state"].get("log")
        for name, value in fields.items() if isinstance(fields, Mapping) else ():
            line.setdefault(str(name), value)
        text = dumps(line)
        write_line = line_writer(self.logger, level)
        if write_line is None:
            self.logger.log(level, "%s", text)
        else:
            write_line(text)


def dumps(line: dict[str, object]) -> str:
    """One JSON object; values orjson cannot encode become their str()."""
    return orjson.dumps(line, default=str).decode("utf-8")
