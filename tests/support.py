"""Real servers for tests: the proxy under uvicorn and an HTTP origin, both on loopback."""

from __future__ import annotations

import csv
import http.client
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from config.settings import Settings
from imgproxy.app import create_app
from imgproxy.server import uvicorn_config

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "images"
BENCH_PHOTOS = REPO / "bench" / "photos"


def manifest() -> list[dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


class RequestLog:
    """ASGI wrapper recording every HTTP request the proxy receives (method, raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["raw_path"].decode()))
        await self.app(scope, receive, send)


@contextmanager
def running_proxy(env: Mapping[str, str], seen: list[RequestLog] | None = None) -> Iterator[str]:
    """The real app under uvicorn on a loopback socket that is listening before we return.

    `seen`, when given, receives the RequestLog of this server."""
    # Test origins live on loopback, which production refuses by default.
    settings = Settings.from_env({"IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "1", **env})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    app = RequestLog(create_app(settings))
    if seen is not None:
        seen.append(app)
    # As `serve` configures uvicorn: our HTTP protocol and its limits, no proxy headers.
    config = uvicorn_config(app, settings, log_level="warning", lifespan="on", loop="asyncio")
    server = uvicorn.Server(config)

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()  # a failed start resets waiting clients instead of leaving them hanging

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@dataclass
class OriginLog:
    """What the origin saw: request paths and how many body bytes it managed to send."""

    paths: list[str]
    bytes_sent: dict[str, int]


class OriginHandler(BaseHTTPRequestHandler):
    """Serves the corpus, plus endpoints that misbehave on purpose."""

    root: ClassVar[Path] = CORPUS
    log: ClassVar[OriginLog]
    release: ClassVar[threading.Event]

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self.log.paths.append(self.path)
        route, _, argument = self.path.split("?")[0].lstrip("/").partition("/")
        handler = {
            "files": self.serve_file,
            "status": self.serve_status,
            "redirect": self.serve_redirect,
            "endless": self.serve_endless,
            "declared": self.serve_declared_large,
            "hang": self.serve_hang,
            "slow": self.serve_slow,
            "redirect-to": self.serve_redirect_to,
        }.get(route)
        if handler is None:
            self.send_error(404)
            return
        handler(argument)

    def serve_file(self, name: str) -> None:
        path = self.root / name
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", '"origin-etag"')
        self.end_headers()
        self.wfile.write(data)

    def serve_status(self, code: str) -> None:
        self.send_response(int(code))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_redirect(self, count: str) -> None:
        remaining = int(count)
        self.send_response(302)
        target = "/files/jpeg-baseline-icc.jpg" if remaining <= 1 else f"/redirect/{remaining - 1}"
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_endless(self, _: str) -> None:
        """Chunked body with no Content-Length that would never end: the proxy must cut it."""
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        chunk = b"\xff" * 65536
        sent = 0
        try:
            while sent < 512 * 1024 * 1024:
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.log.bytes_sent[self.path] = sent

    def serve_declared_large(self, size: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", size)
        self.end_headers()
        self.log.bytes_sent[self.path] = 0

    def serve_redirect_to(self, target: str) -> None:
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_slow(self, argument: str) -> None:
        """`slow/<seconds>/<file>`: an origin that takes its time, then answers."""
        seconds, _, name = argument.partition("/")
        self.release.wait(timeout=float(seconds))
        self.serve_file(name)

    def serve_hang(self, _: str) -> None:
        """Answers headers, then sends nothing until the test ends."""
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.flush()
        self.release.wait(timeout=60)


def raw_exchange(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET a path byte for byte, without the dot-segment clean-up HTTP clients do; the
    connection must answer (a dropped one raises). Header names come lower-cased."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        connection.close()


def raw_get(base: str, path: str) -> tuple[int, str]:
    status, _, body = raw_exchange(base, path)
    return status, body.decode("utf-8", "replace")


@contextmanager
def running_origin(
    handler_class: type[OriginHandler] = OriginHandler,
) -> Iterator[tuple[str, OriginLog]]:
    log = OriginLog([], {})
    release = threading.Event()
    handler = type("Handler", (handler_class,), {"log": log, "release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
