"""Pure ASGI middleware for the exceptions no handler knows: each one is a bug.

Innermost of the middleware, just outside Starlette's handler of `ProxyError`: an exception that
gets here is counted in `unexpected_errors_total{route}`, logged once with its traceback, and
answered with the same short 500 every other error gets, so the outer middleware (access log,
request id, CORS) still sees a clean response. When the response has already started there is
nothing clean left to send: the exception goes on to the server, which aborts the connection so
the client cannot take the half-sent body for a whole one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imgproxy.errors import ProxyError
from imgproxy.telemetry.access_log import classify_route, log_fields, truncate
from imgproxy.telemetry.metrics import Metrics

Respond = Callable[[Request, ProxyError], Response]


class UnexpectedErrorMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        respond: Respond,
        *,
        logger: logging.Logger | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.respond = respond
        self.logger = logger or logging.getLogger("imgproxy")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        except Exception as error:
            self.metrics.unexpected_error(classify_route(scope["path"]))
            if started:
                raise
            what = f"unexpected {type(error).__name__}"
            log_fields(scope)["error"] = what
            self.logger.exception("%s %s -> 500 %s", scope["method"], truncate(scope["path"]), what)
            request = Request(scope, receive)
            await self.respond(request, ProxyError(detail=what))(scope, receive, send)
