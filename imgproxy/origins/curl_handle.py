"""One libcurl easy handle, owned by one download thread, and one HTTP exchange on it.

libcurl moves the bytes with the GIL released. The body's pieces (16 KiB each, libcurl's
CURL_MAX_WRITE_SIZE) go straight to a list's `append`, a call into C; Python code runs only per
new connection (the address policy and the dial), per header line, and at libcurl's progress
ticks, about one per received buffer (BUFFERSIZE is large so they are few), where the bytes are
counted and capped and the cancellation and read timeout are checked.

The handle opens and connects its own sockets (OPENSOCKETFUNCTION): the policy decides on the
address libcurl is about to dial, after libcurl's own resolution, so no second lookup can rebind
the name between the check and the connect. A refused or failing address is answered with
CURL_SOCKET_BAD and libcurl goes on to the next address it resolved. Dialling through Python's
socket layer also puts these connections where every other client's are (where the test
suite's connect guard watches them).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pycurl

from imgproxy.errors import SourceNotAllowed
from imgproxy.origins.curl_exchange import Exchange, Stop, parse_head
from imgproxy.origins.curl_sockets import Sockets
from imgproxy.origins.ranges import Stops
from imgproxy.origins.streaming import ByteCounter
from imgproxy.security.addresses import AddressPolicy, check

BUFFER_BYTES = 512 * 1024
WEB_PROTOCOLS = pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS
ABORT = 0
"""What a header callback returns to stop the transfer (any count but the line's length)."""


@dataclass(frozen=True)
class Verification:
    """Where the trusted CA certificates are: a bundle file, or a hashed directory."""

    ca_file: str | None = None
    ca_dir: str | None = None


@dataclass(frozen=True)
class HandleOptions:
    connect_timeout: float
    read_timeout: float
    user_agent: str
    policy: AddressPolicy
    verification: Verification


class CurlHandle:
    """A pycurl easy handle with the origin's fixed options; its connection cache is what
    keeps connections alive between the exchanges of its thread."""

    def __init__(self, options: HandleOptions) -> None:
        self.options = options
        self.sockets = Sockets()
        self._exchange = Exchange(0, lambda _change: None)
        self._cancelled = threading.Event()
        self._last_bytes_at = 0.0
        """When bytes last came in; 0 until the connection is up and the request goes out."""
        self.curl = pycurl.Curl()
        self._configure(self.curl, options)

    def _configure(self, curl: pycurl.Curl, options: HandleOptions) -> None:
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.PROTOCOLS, WEB_PROTOCOLS)
        curl.setopt(pycurl.REDIR_PROTOCOLS, WEB_PROTOCOLS)
        curl.setopt(pycurl.FOLLOWLOCATION, 0)
        curl.setopt(pycurl.PROXY, "")  # never a proxy from the environment
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        curl.setopt(pycurl.USERAGENT, options.user_agent)
        curl.setopt(pycurl.HTTPHEADER, ["Accept-Encoding: identity"])
        curl.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, round(options.connect_timeout * 1000)))
        curl.setopt(pycurl.BUFFERSIZE, BUFFER_BYTES)
        if options.verification.ca_dir is not None:
            curl.unsetopt(pycurl.CAINFO)
            curl.setopt(pycurl.CAPATH, options.verification.ca_dir)
        else:
            curl.setopt(pycurl.CAINFO, options.verification.ca_file)
        curl.setopt(pycurl.OPENSOCKETFUNCTION, self._open_socket)
        curl.setopt(pycurl.SOCKOPTFUNCTION, self._adopt_socket)
        curl.setopt(pycurl.CLOSESOCKETFUNCTION, self._close_socket)
        curl.setopt(pycurl.PREREQFUNCTION, self._connected)
        curl.setopt(pycurl.HEADERFUNCTION, self._header_line)
        curl.setopt(pycurl.NOPROGRESS, 0)
        curl.setopt(pycurl.XFERINFOFUNCTION, self._progress)

    def exchange(
        self,
        url: str,
        max_bytes: int,
        counted: ByteCounter,
        cancelled: threading.Event,
        resolve: Sequence[str] = (),
        *,
        byte_range: str = "",
        stops: Stops | None = None,
    ) -> Exchange:
        """GET `url`; `resolve` pins host:port:addresses entries for libcurl's resolver;
        `byte_range` ("first-last") asks for a span; `stops` may leave the body unread."""
        exchange = self._exchange = Exchange(max_bytes, counted, stops)
        self._cancelled = cancelled
        self._last_bytes_at = 0.0
        curl = self.curl
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.WRITEFUNCTION, exchange.chunks.append)
        if resolve:
            curl.setopt(pycurl.RESOLVE, list(resolve))
        if byte_range:
            curl.setopt(pycurl.RANGE, byte_range)
        else:
            curl.unsetopt(pycurl.RANGE)
        try:
            curl.perform()
        except pycurl.error as error:
            code, *message = error.args
            exchange.curl_error = (int(code), str(message[0] if message else ""))
        finally:
            self._settle(exchange)
        return exchange

    @staticmethod
    def _settle(exchange: Exchange) -> None:
        """Counts the bytes that came after the last progress tick, applies the cap to them,
        then lets every counted byte go."""
        size = sum(map(len, exchange.chunks))
        try:
            if size != exchange.received:
                exchange.counted(size - exchange.received)
                exchange.received = size
            if exchange.max_bytes and size > exchange.max_bytes and exchange.stop is None:
                exchange.stop = Stop.BODY_TOO_LARGE
        finally:
            exchange.counted(-exchange.received)

    def close(self) -> None:
        self.curl.close()

    # --- the callbacks, on this handle's thread while `perform` runs ---------------------

    def _open_socket(self, _purpose: int, address: Any) -> socket.socket | int:
        exchange = self._exchange
        try:
            if self._cancelled.is_set() or address.family not in (socket.AF_INET, socket.AF_INET6):
                return pycurl.SOCKET_BAD
            ip = ipaddress.ip_address(address.addr[0])
            try:
                check(ip, self.options.policy)
            except SourceNotAllowed as refusal:
                exchange.refused.append(refusal.detail)
                return pycurl.SOCKET_BAD
            return self._dial(address, ip, exchange)
        except BaseException as error:  # raised again after perform
            exchange.fail(error)
            return pycurl.SOCKET_BAD

    def _dial(self, address: Any, ip: object, exchange: Exchange) -> socket.socket | int:
        sock = socket.socket(address.family, address.socktype, address.protocol)
        self.sockets.dialling(sock)
        try:
            sock.settimeout(self.options.connect_timeout)
            sock.connect(address.addr)
        except TimeoutError:
            exchange.connect_timed_out = True
            sock.close()
            return pycurl.SOCKET_BAD
        except OSError as error:
            exchange.unreachable.append(f"{ip}: {error.strerror or error}")
            sock.close()
            return pycurl.SOCKET_BAD
        finally:
            self.sockets.dialling(None)
        exchange.dialled = True
        return sock  # pycurl hands libcurl a duplicate of its descriptor

    def _adopt_socket(self, fd: int, _purpose: int) -> int:
        self.sockets.adopt(fd)
        return int(pycurl.SOCKOPT_ALREADY_CONNECTED)

    def _close_socket(self, fd: int) -> int:
        try:
            self.sockets.close(fd)
        except OSError:
            return 1
        return 0

    def _connected(self, *_connection: object) -> int:
        self._last_bytes_at = time.monotonic()
        return int(pycurl.PREREQFUNC_OK)

    def _progress(self, _down_total: int, down_now: int, *_up: int) -> int:
        exchange = self._exchange
        if self._cancelled.is_set():
            exchange.stop = Stop.CANCELLED
            return 1
        if down_now != exchange.received:
            self._last_bytes_at = time.monotonic()
            try:
                exchange.counted(down_now - exchange.received)
            except BaseException as error:  # raised again after perform
                exchange.fail(error)
                return 1
            exchange.received = down_now
            if exchange.max_bytes and down_now > exchange.max_bytes:
                exchange.stop = Stop.BODY_TOO_LARGE
                return 1
            return self._head_done(exchange)
        since = self._last_bytes_at
        if since and time.monotonic() - since > self.options.read_timeout:
            exchange.stop = Stop.STALLED
            return 1
        return 0

    @staticmethod
    def _head_done(exchange: Exchange) -> int:
        try:
            if exchange.leaves_the_rest():
                exchange.stop = Stop.HEAD
                return 1
        except BaseException as error:  # raised again after perform
            exchange.fail(error)
            return 1
        return 0

    def _header_line(self, line: bytes) -> int | None:
        exchange = self._exchange
        self._last_bytes_at = time.monotonic()
        if line.startswith(b"HTTP/"):
            exchange.head_lines = [line]
            return None
        if line not in (b"\r\n", b"\n"):
            exchange.head_lines.append(line)
            return None
        block, exchange.head_lines = exchange.head_lines, []
        if not block:  # the end of a chunked body's trailers
            return None
        try:
            return self._head_complete(exchange, block)
        except BaseException as error:  # raised again after perform
            exchange.fail(error)
            return ABORT

    def _head_complete(self, exchange: Exchange, block: list[bytes]) -> int | None:
        """At the end of a header block: the status decides whether the body is wanted, a
        declared length over the cap refuses it before it is read."""
        status, headers = parse_head(block)
        if status < 200:  # an interim response; the real one follows
            return None
        exchange.status, exchange.headers = status, headers
        if 200 <= status < 300:
            declared = headers.get("content-length", "")
            limit = exchange.max_bytes
            if limit and declared.isascii() and declared.isdigit() and int(declared) > limit:
                exchange.stop = Stop.DECLARED_TOO_LARGE
                return ABORT
        elif not exchange.is_redirect:
            exchange.stop = Stop.STATUS_DECIDED
            return ABORT
        return None
