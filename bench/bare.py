"""The hit-path ceiling: a bare Starlette app answering preloaded bytes, under the same uvicorn.

`python -m bench.bare --port P --dir D [--processes N]`: GET /<name> answers the file D/<name>
(read once at start) with its content type; GET /health answers 200.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

DIR_VARIABLE = "BENCH_BARE_DIR"


def create_app() -> Starlette:
    directory = Path(os.environ[DIR_VARIABLE])
    files = {
        path.name: (path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/jpeg")
        for path in sorted(directory.iterdir())
        if path.is_file()
    }

    async def image(request: Request) -> Response:
        found = files.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("Not found", status_code=404)
        body, media_type = found
        return Response(body, media_type=media_type)

    async def health(request: Request) -> Response:
        return PlainTextResponse("OK")

    return Starlette(routes=[Route("/health", health), Route("/{name}", image)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ[DIR_VARIABLE] = str(args.dir)
    uvicorn.run(
        "bench.bare:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.processes if args.processes > 1 else None,
        log_level="warning",
        server_header=False,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
