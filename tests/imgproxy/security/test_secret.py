"""Secret header middleware, through httpx.ASGITransport (no network)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from imgproxy.security.secret import SecretHeaderMiddleware

SECRET = "s3cr3t-value"


async def image(request):
    return PlainTextResponse("image")


async def socket_endpoint(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


def make_app(**options):
    routes = [Route(path, image) for path in ("/", "/health", "/ready", "/metrics", "/x/y")]
    routes.append(WebSocketRoute("/ws", socket_endpoint))
    app = Starlette(routes=routes)
    app.add_middleware(SecretHeaderMiddleware, secret=SECRET, **options)
    return app


async def get(path: str, headers: dict[str, str] | None = None, **options) -> httpx.Response:
    transport = httpx.ASGITransport(app=make_app(**options))
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        return await client.get(path, headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {SECRET}", f"bearer {SECRET}", f"BEARER  {SECRET} "],
)
async def test_correct_secret_passes(authorization):
    response = await get("/x/y", {"Authorization": authorization})
    assert (response.status_code, response.text) == (200, "image")


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": SECRET},
        {"Authorization": f"Basic {SECRET}"},
        {"Authorization": f"Bearer {SECRET}x"},
        {"Authorization": f"Bearer {SECRET[:-1]}"},
        {"Authorization": f"Bearer {SECRET.upper()}"},
        {"X-Authorization": f"Bearer {SECRET}"},
    ],
)
async def test_missing_or_wrong_secret_is_forbidden(headers):
    response = await get("/x/y", headers)
    assert (response.status_code, response.text) == (403, "Forbidden")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_two_authorization_headers_are_forbidden():
    app = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        headers = [("Authorization", f"Bearer {SECRET}"), ("Authorization", "Bearer other")]
        response = await client.get("/", headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics"])
async def test_open_paths_need_no_secret(path):
    assert (await get(path)).status_code == 200


async def test_open_paths_are_configurable():
    assert (await get("/health", open_paths=frozenset())).status_code == 403
    assert (await get("/x/y", open_paths=frozenset({"/x/y"}))).status_code == 200
    assert (await get("/health/", open_paths=frozenset({"/health"}))).status_code == 403


async def websocket_messages(headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """Drive one websocket handshake through the app with plain ASGI calls."""
    incoming = [{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}]
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": headers, "query_string": b""}
    scope |= {"root_path": "", "scheme": "ws", "server": ("proxy", 80), "subprotocols": []}
    scope |= {"asgi": {"version": "3.0"}, "client": ("127.0.0.1", 5000)}
    await make_app()(scope, receive, send)
    return sent


async def test_websockets_need_the_secret_too():
    assert await websocket_messages([]) == [{"type": "websocket.close", "code": 1008}]
    authorized = await websocket_messages([(b"authorization", f"Bearer {SECRET}".encode())])
    assert [message["type"] for message in authorized[:2]] == ["websocket.accept", "websocket.send"]


def test_empty_secret_is_a_configuration_error():
    with pytest.raises(ValueError, match="non-empty secret"):
        SecretHeaderMiddleware(make_app(), secret="")
