"""The hit-path ceiling: a bare Starlette app answering preloaded bytes, under the same uvicorn.

`python -m bench.bare --port P --dir D [--processes N] [--redis URL]`: GET /<name> answers the
file D/<name> with its content type; GET /health answers 200. Without `--redis` the bytes are
read once at start and answered from memory (the L1 baseline). With `--redis` they are stored
in that Redis at start and each GET does one redis-py `GET` of them (the L2 baseline: a bare
endpoint without Redis is no fair baseline for a Redis hit).
"""

from __future__ import annotations

import argparse
import mimetypes
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import redis
import redis.asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from imgproxy.worker_sockets import listening_sockets, supervisor

HOST = "127.0.0.1"

DIR_VARIABLE = "BENCH_BARE_DIR"
REDIS_VARIABLE = "BENCH_BARE_REDIS"
KEY_PREFIX = "bench-bare:"
"""Keys of the preloaded bodies, apart from the proxy's own in the same Redis."""


def _files(directory: Path) -> dict[str, Path]:
    return {path.name: path for path in sorted(directory.iterdir()) if path.is_file()}


def _media_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "image/jpeg"


def preload(redis_url: str, directory: Path) -> None:
    """Every file of `directory` stored under KEY_PREFIX + its name."""
    with redis.Redis.from_url(redis_url) as client:
        for name, path in _files(directory).items():
            client.set(KEY_PREFIX + name, path.read_bytes())


async def health(request: Request) -> Response:
    return PlainTextResponse("OK")


def _from_memory(directory: Path) -> Starlette:
    files = {
        name: (path.read_bytes(), _media_type(name)) for name, path in _files(directory).items()
    }

    async def image(request: Request) -> Response:
        found = files.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("Not found", status_code=404)
        body, media_type = found
        return Response(body, media_type=media_type)

    return Starlette(routes=[Route("/health", health), Route("/{name}", image)])


def _from_redis(directory: Path, redis_url: str) -> Starlette:
    client = redis.asyncio.Redis.from_url(redis_url)
    names = set(_files(directory))

    async def image(request: Request) -> Response:
        name = request.path_params["name"]
        body = await client.get(KEY_PREFIX + name) if name in names else None
        if body is None:
            return PlainTextResponse("Not found", status_code=404)
        return Response(body, media_type=_media_type(name))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(routes=[Route("/health", health), Route("/{name}", image)], lifespan=lifespan)


def create_app() -> Starlette:
    directory = Path(os.environ[DIR_VARIABLE])
    redis_url = os.environ.get(REDIS_VARIABLE)
    return _from_redis(directory, redis_url) if redis_url else _from_memory(directory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--redis", help="answer each GET with one GET from this Redis")
    args = parser.parse_args(argv)
    os.environ[DIR_VARIABLE] = str(args.dir)
    if args.redis:
        preload(args.redis, args.dir)
        os.environ[REDIS_VARIABLE] = args.redis
    serve_factory("bench.bare:create_app", args.port, args.processes)
    return 0


def serve_factory(factory: str, port: int, processes: int = 1) -> None:
    """A bare server's app, from the `module:function` that makes it, under uvicorn as ours
    runs: loopback, no server header, no access log, and several processes each on a
    listening socket of its own."""
    config = uvicorn.Config(
        factory,
        factory=True,
        host=HOST,
        port=port,
        workers=processes,
        log_level="warning",
        server_header=False,
        access_log=False,
    )
    if processes == 1:
        uvicorn.Server(config).run()
        return
    with listening_sockets(HOST, port, processes, config.backlog) as sockets:
        supervisor(config, sockets).run()


if __name__ == "__main__":
    raise SystemExit(main())
