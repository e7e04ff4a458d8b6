"""CORS (IMGPROXY_ALLOW_ORIGIN): the allowed origin on every response, and `OPTIONS` (a
preflight) answered here with 200, before the secret check, as imgproxy does."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOWED_METHODS = "GET, HEAD, OPTIONS"


class CorsMiddleware:
    def __init__(self, app: ASGIApp, allow_origin: str = "") -> None:
        self.app = app
        self.headers = (
            {
                "Access-Control-Allow-Origin": allow_origin,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
            }
            if allow_origin
            else {}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        *(
                            (name.lower().encode(), value.encode())
                            for name, value in self.headers.items()
                        ),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if not self.headers:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(self.headers)
            await send(message)

        await self.app(scope, receive, send_with_cors)
