"""GET /metrics as a plain ASGI endpoint, rendered in a thread off the event loop."""

from __future__ import annotations

import asyncio

from starlette.types import Receive, Scope, Send

from imgproxy.telemetry.metrics import Metrics


class MetricsEndpoint:
    """ASGI endpoint serving `Metrics.render()`: `Route("/metrics", MetricsEndpoint(m))`."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body, content_type = await asyncio.to_thread(self.metrics.render)
        headers = [
            (b"content-type", content_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
