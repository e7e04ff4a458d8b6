"""The miss-path floor: a bare ASGI app that renders every request, under the same uvicorn.

`python -m bench.bare_miss --port P --dir D [--workers 4] [--target 512x512:jpeg:80]`: a GET
takes the source the proxy's own path names, so the load scripts of ours work unchanged: an
http(s) URL after `/plain/` (before any `@extension`) is fetched with libcurl (one handle per
thread, connections kept alive), anything else is the file of D named by the path's last
segment. The source is answered shrunk and encoded as the in-process ceiling does
(`bench.ceiling.transform`), fetch and render in one job on a pool of `--workers` threads: no
signature, options, caches, coalescing, limits, deadlines, metrics or access line. `/health`
answers 200. What ours spends per miss beyond this app is the cost of its own layers, not of
Python, uvicorn, libcurl or pyvips.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pycurl
from starlette.types import Receive, Scope, Send

from bench.bare import serve_factory
from bench.ceiling import configure_vips, decode_shrunk, encode
from bench.scenarios import OutputFormat, Target

DIR_VARIABLE = "BENCH_BARE_MISS_DIR"
WORKERS_VARIABLE = "BENCH_BARE_MISS_WORKERS"
TARGET_VARIABLE = "BENCH_BARE_MISS_TARGET"
MEDIA_TYPES: dict[str, bytes] = {
    "jpeg": b"image/jpeg",
    "png": b"image/png",
    "webp": b"image/webp",
    "avif": b"image/avif",
}


def parse_target(text: str) -> Target:
    """`WIDTHxHEIGHT:FORMAT:QUALITY`, e.g. `512x512:jpeg:80`."""
    size, output, quality = text.split(":")
    width, height = size.split("x")
    if output not in MEDIA_TYPES:
        raise ValueError(f"{output!r} is not one of {', '.join(MEDIA_TYPES)}")
    image_format: OutputFormat = output  # type: ignore[assignment]
    return Target(int(width), int(height), image_format, int(quality))


def source_of(path: str) -> str:
    """The source a request path names: the http(s) URL after `/plain/`, else a file name (the
    last segment); either without an `@extension`."""
    _, plain, rest = path.partition("/plain/")
    if plain and rest.startswith(("http://", "https://")):
        return rest.rsplit("@", 1)[0]
    return path.rsplit("/", 1)[-1].split("@", 1)[0]


class BareMiss:
    """Raw ASGI: one thread-pool hop per request, as little as a miss can cost."""

    def __init__(self, directory: Path, target: Target, workers: int) -> None:
        self.directory = directory
        self.target = target
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="render")
        self.media_type = MEDIA_TYPES[target.format]
        self.handles = threading.local()
        configure_vips()

    def render(self, source: str) -> bytes | None:
        data = self.fetch(source) if "://" in source else self.read(source)
        if data is None:
            return None
        return encode(decode_shrunk(data, self.target), self.target)

    def read(self, name: str) -> bytes | None:
        path = self.directory / name
        return path.read_bytes() if path.is_file() else None

    def fetch(self, url: str) -> bytes | None:
        curl: pycurl.Curl | None = getattr(self.handles, "curl", None)
        if curl is None:
            curl = self.handles.curl = pycurl.Curl()
        body = io.BytesIO()
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.WRITEDATA, body)
        curl.perform()
        return body.getvalue() if curl.getinfo(pycurl.RESPONSE_CODE) == 200 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["path"] == "/health":
            await self._answer(send, 200, b"text/plain", b"OK")
            return
        source = source_of(scope["path"])
        body = await asyncio.get_running_loop().run_in_executor(self.pool, self.render, source)
        if body is None:
            await self._answer(send, 404, b"text/plain", b"Not found")
            return
        await self._answer(send, 200, self.media_type, body)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _answer(send: Send, status: int, media_type: bytes, body: bytes) -> None:
        headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app() -> BareMiss:
    return BareMiss(
        Path(os.environ[DIR_VARIABLE]),
        parse_target(os.environ[TARGET_VARIABLE]),
        int(os.environ[WORKERS_VARIABLE]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_miss", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--target", default="512x512:jpeg:80", help="WIDTHxHEIGHT:FORMAT:Q")
    args = parser.parse_args(argv)
    parse_target(args.target)  # refused here rather than in the server
    os.environ[DIR_VARIABLE] = str(args.dir)
    os.environ[WORKERS_VARIABLE] = str(args.workers)
    os.environ[TARGET_VARIABLE] = args.target
    serve_factory("bench.bare_miss:create_app", args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
