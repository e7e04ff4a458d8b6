"""`POST /_admin/purge`: drop every cached variant of one source, or every cached answer of
one cache tag, on every replica."""

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
from imgproxy.url.args import ArgumentError
from imgproxy.url.delivery_options import cache_tags

BEARER = "Bearer "
EXPECTED_BODY = 'Expected a JSON body {"source": "<source URL>"} or {"tag": "<cache tag>"}'


def purge_target(body: bytes) -> tuple[str, str]:
    """("source", URL) or ("tag", tag) from the request body; InvalidPath for anything else."""
    try:
        found = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidPath(EXPECTED_BODY) from None
    if not isinstance(found, dict) or len(found) != 1:
        raise InvalidPath(EXPECTED_BODY)
    kind, value = next(iter(found.items()))
    if kind not in ("source", "tag") or not isinstance(value, str) or not value:
        raise InvalidPath(EXPECTED_BODY)
    if kind == "tag":
        try:
            cache_tags("purge", [value])
        except ArgumentError as error:
            raise InvalidPath(str(error)) from None
    return kind, value


def purge_route(
    settings: Settings, service: ImageService
) -> Callable[[Request], Awaitable[Response]]:
    expected = f"{BEARER}{settings.admin_token}".encode()

    async def purge(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise Forbidden()
        kind, value = purge_target(await request.body())
        if kind == "source":
            purged, key = await service.purge(value), source_key(value)
        else:
            purged, key = await service.purge_tag(value), value
        body = orjson.dumps({kind: value, "surrogate_key": key, "purged": purged})
        return Response(
            body,
            media_type="application/json",
            headers={"Cache-Control": "no-store", "Surrogate-Key": key},
        )

    return purge
