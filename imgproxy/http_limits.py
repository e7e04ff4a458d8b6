"""uvicorn's httptools protocol with the limits it lacks, enforced whatever sits in front.

* **Read timeout** (IMGPROXY_READ_REQUEST_TIMEOUT): a request must arrive whole, headers and
  body, within the timeout of its first byte (on a new connection: of the connection's start);
  otherwise the connection is closed. Idle time between requests is uvicorn's keep-alive
  timeout. A request already read is never cut: when the next one (pipelined) is late while a
  response is still being prepared or sent, reading stops and the connection closes after it.
* **Header size** (IMGPROXY_MAX_HEADER_SIZE): request line and headers. Past the limit the
  answer is 431 (414 when the URL alone is over IMGPROXY_MAX_URL_LENGTH, as the app would have
  answered) and the connection closes, so the parser (which joins a header's pieces into
  one value) never holds more than the limit; bytes are counted per read from the socket, so a
  pipelined request can gain at most one read.
* **Connections** (IMGPROXY_MAX_CLIENTS, this process's share): one more is answered 503 at
  once, before anything of it is read or parsed, and closed. uvicorn's `limit_concurrency`
  is not used: it keeps the surplus connections open until they send a request, and once the
  count is reached it also answers 503 on the connections already open. At start the soft
  limit on open files is raised so that the cap can be reached (`raise_open_files_limit`).

Each accepted connection's transport is wrapped in `TurnWritesTransport`, so a response's head
and body leave in one system call.

A refusal (431, 503) shuts the write side, then drops what the client still sends until it
closes or LINGER_SECONDS pass: closing at once with unread input would send a reset, and the
client could lose the answer.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from imgproxy.turn_writes import TurnWritesTransport

log = logging.getLogger(__name__)
LINGER_SECONDS = 2.0
FILES_BESIDES_CLIENTS = 256
"""Open files a process needs beyond its client connections: origins, Redis, logs, libraries."""


def plain_answer(status: str, text: str, *extra: str) -> bytes:
    head = [
        f"HTTP/1.1 {status}",
        "content-type: text/plain; charset=utf-8",
        f"content-length: {len(text)}",
        "connection: close",
        *extra,
    ]
    return ("\r\n".join(head) + "\r\n\r\n" + text).encode("ascii")


HEADER_TOO_LARGE = plain_answer(
    "431 Request Header Fields Too Large", "Request header fields too large"
)
URL_TOO_LONG = plain_answer("414 URI Too Long", "URL too long")
TOO_MANY_CONNECTIONS = plain_answer(
    "503 Service Unavailable", "Too many open connections", "retry-after: 1"
)


@dataclass(frozen=True)
class ConnectionLimits:
    read_request_timeout: float
    max_header_size: int
    max_url_length: int
    max_clients: int
    """Connections this process keeps open; 0: no cap."""


class LimitedHttpProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.read_deadline: float | None = None
        """When the request arriving must have arrived whole (loop time); None between requests."""
        self.read_timer: asyncio.TimerHandle | None = None
        """Fires at or before the read deadline; it is moved lazily, never cancelled per request."""
        self.linger: asyncio.TimerHandle | None = None
        self.reading_header = True
        self.header_bytes = 0
        self.headers_read = 0
        self.refused = False

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        cap = self.limits.max_clients
        if cap and len(self.connections) >= cap:
            self.transport = transport
            self.refuse(TOO_MANY_CONNECTIONS)
            return
        super().connection_made(TurnWritesTransport(transport, self.loop))
        self.start_reading_request()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self.read_timer, self.linger):
            if timer is not None:
                timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.reading_header:
            room = self.limits.max_header_size - self.header_bytes
            if len(data) > room:
                self.receive_past_header_room(data, room)
                return
            self.header_bytes += len(data)
        super().data_received(data)

    def receive_past_header_room(self, data: bytes, room: int) -> None:
        """Parse what fits; unless a header ended within it, the header is too large."""
        headers_read = self.headers_read
        super().data_received(data[:room])
        if self.refused or self.transport.is_closing():
            return
        if self.headers_read == headers_read:
            self.refuse_header()
            return
        self.header_bytes = 0
        self.data_received(data[room:])

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.read_deadline is None:  # else the connection's first request, timed from its start
            self.start_reading_request()

    def on_headers_complete(self) -> None:
        self.reading_header = False
        self.headers_read += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.read_deadline = None
        self.reading_header = True
        self.header_bytes = 0
        super().on_message_complete()

    # Deadlines and refusals

    def start_reading_request(self) -> None:
        """Set the read deadline. One timer per connection, moved only when it fires: a timer
        set and cancelled for every request would cost a hit more than the rest of this."""
        self.read_deadline = self.loop.time() + self.limits.read_request_timeout
        if self.read_timer is None:
            self.read_timer = self.loop.call_at(self.read_deadline, self.read_timer_fired)

    def read_timer_fired(self) -> None:
        self.read_timer = None
        deadline = self.read_deadline
        if deadline is None or self.transport.is_closing():
            return
        if deadline > self.loop.time():
            self.read_timer = self.loop.call_at(deadline, self.read_timer_fired)
            return
        self.read_deadline = None
        if not self.finishing_a_response():
            self.transport.close()

    def finishing_a_response(self) -> bool:
        """When a request that has arrived is still being answered, stop reading and close once
        its response is sent; True then."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return False
        if cycle.more_body and not cycle.response_started:
            return False  # the late part is this request's own body: nothing to finish
        cycle.keep_alive = False
        self.flow.pause_reading()
        self.refused = True
        return True

    def refuse_header(self) -> None:
        if self.finishing_a_response():
            return
        url: bytes = getattr(self, "url", b"")  # set by uvicorn when a request begins
        too_long = len(url) > self.limits.max_url_length
        self.refuse(URL_TOO_LONG if too_long else HEADER_TOO_LARGE)

    def refuse(self, answer: bytes) -> None:
        self.refused = True
        self.read_deadline = None
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)


def limited_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """What uvicorn.Config takes as `http=`: it calls it as a class. A partial of a module-level
    class, so that uvicorn's worker processes can unpickle it."""
    return cast("type[asyncio.Protocol]", partial(LimitedHttpProtocol, limits=limits))


def raise_open_files_limit(max_clients: int) -> None:
    """Lift the soft limit on open files toward the hard one, as Go programs do at start, so
    that `max_clients` connections fit (systemd's default soft limit is 1024). Workers
    inherit it."""
    if not max_clients:
        return
    wanted = max_clients + FILES_BESIDES_CLIENTS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        log.warning(
            "Open files are limited to %d: fewer than IMGPROXY_MAX_CLIENTS (%d per process) "
            "connections fit; raise the hard limit (ulimit -Hn)",
            target,
            max_clients,
        )
