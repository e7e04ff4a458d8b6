"""IMGPROXY_SECRET: every request must carry `Authorization: Bearer <secret>`.

It keeps the proxy reachable only through the CDN or gateway that adds the header. Pure ASGI
(no BaseHTTPMiddleware, no body buffering); the token is compared in constant time. Health,
readiness and metrics stay open for probes. A refusal is answered here, since this middleware
sits outside the app's exception handlers: `Forbidden`'s status and public message, plain text,
`Cache-Control: no-store` so no cache keeps the refusal for the callers that do have the secret.
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from imgproxy.errors import Forbidden

OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})
SCHEME = b"bearer"
POLICY_VIOLATION = 1008


class SecretHeaderMiddleware:
    def __init__(self, app: ASGIApp, secret: str, open_paths: frozenset[str] = OPEN_PATHS) -> None:
        if not secret:
            raise ValueError("Expected a non-empty secret for the secret-header middleware")
        self.app = app
        self.expected = secret.encode("utf-8")
        self.open_paths = open_paths

    def authorized(self, scope: Scope) -> bool:
        values = [value for name, value in scope["headers"] if name.lower() == b"authorization"]
        if len(values) != 1:
            return False
        scheme, _, token = values[0].strip().partition(b" ")
        # compare_digest on bytes of any length; only the length can leak, as with imgproxy
        return scheme.lower() == SCHEME and hmac.compare_digest(token.strip(), self.expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        if self.authorized(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        body = Forbidden.public_message.encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": Forbidden.status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
