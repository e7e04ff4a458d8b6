"""The playground's routes: the page, its static files, the sample list, the signer and the
format comparison."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from config.settings import Settings
from imgproxy.building import Edge
from imgproxy.errors import InvalidPath, NotFound
from imgproxy.playground.compare import Comparer
from imgproxy.playground.form import read_form
from imgproxy.playground.headers import PAGE_HEADERS
from imgproxy.playground.samples import bundled_samples
from imgproxy.playground.signer import builder_for, sign_example

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE = "index.html"
ASSETS = frozenset(path.name for path in STATIC_DIR.iterdir() if path.name != PAGE)
PREFIX = "/_playground"
NO_STORE = {"Cache-Control": "no-store"}
MAX_FORM_BYTES = 16_384
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def form_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InvalidPath(f"Expected a form of at most {MAX_FORM_BYTES} bytes")
    return body


def comparer_of(request: Request) -> Comparer:
    """The image route's own reader and renderer, from the parts built at start."""
    edge: Edge = request.state.edge
    return Comparer(edge.endpoints.reader, edge.endpoints.service.renderer)


def playground_routes(settings: Settings) -> list[Route]:
    """Mounted before the image route. Off: `/_playground/...` answers 404 for any method."""
    if not settings.playground:
        return [Route(PREFIX + "/{rest:path}", absent, methods=EVERY_METHOD)]
    samples = bundled_samples(settings)

    async def sample_list(request: Request) -> Response:
        return JSONResponse({"samples": samples}, headers=NO_STORE)

    async def sign(request: Request) -> Response:
        image_request = read_form(await form_body(request), settings)
        example = sign_example(image_request, builder_for(settings, str(request.base_url)))
        return JSONResponse(example.as_json(), headers=NO_STORE)

    async def compare(request: Request) -> Response:
        image_request = read_form(await form_body(request), settings)
        builder = builder_for(settings, str(request.base_url))
        comparison = await comparer_of(request).compare(
            image_request, lambda variant: builder.url(variant.source, variant.options)
        )
        return JSONResponse(comparison.as_json(), headers=NO_STORE)

    return [
        Route("/", page, methods=["GET", "HEAD"]),
        Route(PREFIX + "/static/{name}", asset, methods=["GET", "HEAD"]),
        Route(PREFIX + "/samples", sample_list, methods=["GET"]),
        Route(PREFIX + "/sign", sign, methods=["POST"]),
        Route(PREFIX + "/compare", compare, methods=["POST"]),
    ]


async def page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / PAGE, headers=dict(PAGE_HEADERS))


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise NotFound(detail=f"No playground file {name!r}")
    return FileResponse(STATIC_DIR / name, headers=dict(PAGE_HEADERS))


async def absent(request: Request) -> Response:
    raise NotFound(detail=f"Playground is off: {request.url.path}")
