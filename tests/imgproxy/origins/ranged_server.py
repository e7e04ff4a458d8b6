"""A loopback origin that serves byte ranges (RFC 9110), or misbehaves with them on purpose,
and records every request's Range header and how many body bytes it managed to send."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import httpx

from tests.support import OriginHandler, OriginLog, running_origin, running_proxy

RANGE = re.compile(r"bytes=(\d+)-(\d*)")
PIECE = 16 * 1024
SEND_BUFFER = 32 * 1024
"""Small, so that what the server counts as sent is near what the client read."""


@dataclass
class Exchange:
    path: str
    range: str | None
    status: int = 0
    sent: int = 0


@dataclass
class Exchanges:
    all: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    held: threading.Event = field(default_factory=threading.Event)
    """Set when `hold` mode holds a range request."""

    def of(self, name: str) -> list[Exchange]:
        with self.lock:
            return [e for e in self.all if e.path.rsplit("/", 1)[-1] == name]

    def at(self, path: str) -> list[Exchange]:
        with self.lock:
            return [e for e in self.all if e.path == path]

    def sent(self, path: str) -> int:
        return sum(e.sent for e in self.at(path))

    def assert_read_by_spans(self, path: str, size: int, *, at_most: float = 0.15) -> None:
        """`path` read as a head (an ordinary GET, left unread) then a few 206 spans, the spans
        under `at_most` of its `size` bytes. What the origin writes on the head counts what the
        kernel buffered for the proxy too (its receive buffer grows with its reads, up to
        `tcp_rmem`'s 32 MiB here): usually 0.15-0.5 MB, up to 1.85 MB seen on a busy host, so
        the head is only held to less than half the file."""
        seen = self.at(path)
        head, spans = seen[0], seen[1:]
        assert head.range is None
        assert all(exchange.range and exchange.status == 206 for exchange in spans)
        assert 1 <= len(spans) <= 11
        spanned = sum(exchange.sent for exchange in spans)
        print(f"{path}: head {head.sent}, spans {spanned} of {size} bytes in {len(seen)} requests")
        assert head.sent < size / 2
        assert spanned < size * at_most


class RangedHandler(OriginHandler):
    """`/<mode>/<name>` serves `root/name`. Modes: `ranged` (206 answers), `plain` (no
    Accept-Ranges, 200), `ignoring` (says it serves ranges, answers 200), `wrong` (206 with a
    Content-Range that does not match the request), `long` (206 with more bytes than asked),
    `hold` (serves heads, holds range requests until the server stops)."""

    root: ClassVar[Path]
    exchanges: ClassVar[Exchanges]

    def setup(self) -> None:
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 (http.server names it)
        mode, _, name = self.path.lstrip("/").partition("/")
        path = self.root / name
        exchange = Exchange(self.path, self.headers.get("Range"))
        with self.exchanges.lock:
            self.exchanges.all.append(exchange)
        if (
            mode not in {"ranged", "plain", "ignoring", "wrong", "long", "hold"}
            or not path.is_file()
        ):
            self.send_error(404)
            return
        data = path.read_bytes()
        asked = RANGE.fullmatch(exchange.range or "")
        if asked is None or mode in {"plain", "ignoring"}:
            self.answer(exchange, 200, data, mode != "plain")
            return
        if mode == "hold":
            self.send_response(206)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.flush()
            self.exchanges.held.set()
            self.release.wait(timeout=60)
            return
        start = int(asked.group(1))
        end = min(len(data), int(asked.group(2)) + 1 if asked.group(2) else len(data))
        first, last = (start + 1, end) if mode == "wrong" else (start, end - 1)
        body = data[start : end + PIECE] if mode == "long" else data[start:end]
        content_range = f"bytes {first}-{last}/{len(data)}"
        self.answer(exchange, 206, body, True, content_range)

    def answer(
        self, exchange: Exchange, status: int, body: bytes, ranges: bool, content_range: str = ""
    ) -> None:
        exchange.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"ranged-v1"')
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
        if content_range:
            self.send_header("Content-Range", content_range)
        self.end_headers()
        try:
            for at in range(0, len(body), PIECE):
                self.wfile.write(body[at : at + PIECE])
                exchange.sent += len(body[at : at + PIECE])
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextmanager
def ranged_origin(root: Path) -> Iterator[tuple[str, Exchanges, OriginLog]]:
    exchanges = Exchanges()
    handler = type("Ranged", (RangedHandler,), {"root": root, "exchanges": exchanges})
    with running_origin(handler) as (base, log):
        yield base, exchanges, log


@contextmanager
def proxy_over_ranged_origin(
    root: Path, http_client: str, env: Mapping[str, str] | None = None
) -> Iterator[tuple[httpx.Client, str, Exchanges]]:
    """The proxy, with video thumbnails on and `http_client` fetching, and a client for it;
    the ranged origin serving `root` it reads from, and that origin's exchanges."""
    settings = {"IMGPROXY_ENABLE_VIDEO_THUMBNAILS": "1", "IMGPROXY_HTTP_CLIENT": http_client}
    with (
        ranged_origin(root) as (base, exchanges, _log),
        running_proxy({**settings, **(env or {})}) as proxy,
        httpx.Client(base_url=proxy, timeout=30) as client,
    ):
        yield client, base, exchanges
