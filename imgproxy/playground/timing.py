"""`Server-Timing: proc;dur=<ms>` on every response, for the playground to show.

Pure ASGI: the time runs from the request's arrival to the start of its response, so it holds
the fetch, the queue and the processing (a cache hit shows how little is left).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTimingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                timing = f'proc;desc="processing";dur={elapsed:.1f}'.encode("ascii")
                message["headers"] = [*message.get("headers", []), (b"server-timing", timing)]
            await send(message)

        await self.app(scope, receive, timed_send)


def server_timing(app: ASGIApp, *, enabled: bool) -> ASGIApp:
    """Middleware factory for `add_middleware`: the timing layer only when the playground is on."""
    return ServerTimingMiddleware(app) if enabled else app
