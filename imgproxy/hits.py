"""The way a cache hit takes: a GET or HEAD of an image URL whose result is fresh in a result
tier is answered straight from the stored bytes, without the router, request objects, deadline
or disconnect watch around a miss. Anything else goes on to the app, carrying the lookup so
that no tier is asked twice."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from imgproxy.building import Edge
from imgproxy.responses import Answer

READ_METHODS = frozenset({"GET", "HEAD"})


class CachedHits:
    """Pure ASGI, inside the access log, CORS and secret checks, outside the app."""

    def __init__(self, app: ASGIApp, *, other_routes: Sequence[BaseRoute]) -> None:
        """`other_routes`: every route but the image route, which takes what they leave."""
        self.app = app
        self.others = [route.path_regex for route in other_routes if isinstance(route, Route)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = await self._answer(scope) if self._is_image_read(scope) else None
        if answer is None:
            await self.app(scope, receive, send)
            return
        headers = [
            (name.lower().encode(), value.encode("latin-1"))
            for name, value in answer.headers.items()
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    def _is_image_read(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in READ_METHODS:
            return False
        path = scope["path"]
        return not any(pattern.match(path) for pattern in self.others)

    async def _answer(self, scope: Scope) -> Answer | None:
        edge: Edge | None = scope.get("state", {}).get("edge")
        if edge is None:
            return None
        return await edge.endpoints.cached_answer(scope)
