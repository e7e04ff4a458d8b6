"""`POST /_admin/purge`: drop every cached variant of one source, on every replica."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from cache.keys import source_key
from config.settings import Settings
from imgproxy.errors import Forbidden, InvalidPath
from imgproxy.service import ImageService

BEARER = "Bearer "


def purge_route(
    settings: Settings, service: ImageService
) -> Callable[[Request], Awaitable[Response]]:
    expected = f"{BEARER}{settings.admin_token}".encode()

    async def purge(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise Forbidden()
        try:
            source = orjson.loads(await request.body())["source"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise InvalidPath('Expected a JSON body {"source": "<source URL>"}') from None
        if not isinstance(source, str) or not source:
            raise InvalidPath('Expected a JSON body {"source": "<source URL>"}')
        purged = await service.purge(source)
        key = source_key(source)
        body = orjson.dumps({"source": source, "surrogate_key": key, "purged": purged})
        return Response(
            body,
            media_type="application/json",
            headers={"Cache-Control": "no-store", "Surrogate-Key": key},
        )

    return purge
