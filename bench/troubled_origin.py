"""A troubled origin for the soak: GET /slow/<file> answers the corpus file after a delay,
GET /fail/<file> answers 500. Standard library only: `python -m bench.troubled_origin`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path


def _response(status: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def answer(path: str, files: dict[str, bytes]) -> tuple[bytes, bool]:
    """The response for `path`, and whether it is a slow one."""
    kind, _, name = path.lstrip("/").partition("/")
    if kind == "fail":
        return _response("500 Internal Server Error", b"failing on purpose", "text/plain"), False
    body = files.get(name)
    if kind != "slow" or body is None:
        return _response("404 Not Found", b"not found", "text/plain"), False
    return _response("200 OK", body, "image/jpeg"), True


async def serve(port: int, files: dict[str, bytes], delay_s: float) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                response, slow = answer(path, files)
                if slow:
                    await asyncio.sleep(delay_s)  # the point of this origin: it is slow
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.troubled_origin", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.3)
    args = parser.parse_args(argv)
    files = {p.name: p.read_bytes() for p in args.root.glob("*.jpg")}
    asyncio.run(serve(args.port, files, args.delay))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
