"""http(s) origin on libcurl: every fetch runs on a download thread of the origin's own pool,
where libcurl moves the bytes with the GIL released; the event loop only awaits the result.

Same contract, errors and limits as `HttpOrigin` (imgproxy/origins/http.py), and the same SSRF
guarantees: the address policy on the address libcurl is about to dial (curl_handle.py),
redirects followed here and not by libcurl, so that every hop's URL passes the allowed sources
and the host checks before anything is dialled, http and https only, no proxy.

A cancelled fetch (deadline, client gone) cuts its sockets and raises libcurl's abort flag,
then waits for its thread to let go before the cancellation goes on: the download slot it
held is free only once the thread is.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import certifi
import httpx

from imgproxy.errors import (
    InvalidPath,
    OriginError,
    SourceNotAllowed,
)
from imgproxy.origins import Original
from imgproxy.origins.curl_exchange import (
    NOT_ALLOWED,
    Abandoned,
    Exchange,
    Wanted,
    check_status,
    head_of,
    original_of,
    raise_for_failure,
    span_of,
)
from imgproxy.origins.curl_handle import CurlHandle, HandleOptions, Verification
from imgproxy.origins.ranges import Head, Span, Stops, range_header
from imgproxy.origins.streaming import ByteCounter, uncounted
from imgproxy.security.addresses import (
    AddressPolicy,
    IPAddress,
    check,
    is_plain_hostname,
    parse_host_ip,
)
from imgproxy.security.allowed_sources import AllowedSources

T = TypeVar("T")
Resolver = Callable[[str, int], Sequence[IPAddress]]
"""(host, port) -> addresses, on the download thread; raises OSError when the name fails."""
WEB_SCHEMES = {"http": 80, "https": 443}
CANCEL_GRACE = 2.0
"""Longest a cancelled fetch waits for its thread (libcurl checks its abort flag at least
once a second; a socket cut wakes it at once)."""


def httpx_verification() -> Verification:
    """The CA certificates httpx trusts by default: SSL_CERT_FILE, SSL_CERT_DIR, else certifi."""
    if os.environ.get("SSL_CERT_FILE"):
        return Verification(ca_file=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return Verification(ca_dir=os.environ["SSL_CERT_DIR"])
    return Verification(ca_file=certifi.where())


def parse_url(url: str, source: str) -> httpx.URL:
    """The URL as httpx reads it (the allowed sources canonicalise with the same parser, so
    what is checked is what is fetched)."""
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise InvalidPath("Invalid source URL", detail=f"{source}: {error}") from None


def redirect_target(current: httpx.URL, location: str, source: str) -> httpx.URL:
    """Where a `Location` header points, resolved as httpx resolves it."""
    try:
        target = httpx.URL(location)
    except httpx.InvalidURL as error:
        raise OriginError(detail=f"{source}: invalid Location {location!r}: {error}") from None
    if target.scheme and not target.host:
        target = target.copy_with(host=current.host)
    return current.join(target) if target.is_relative_url else target


class Job:
    """What the event loop and the download thread share about one fetch."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._handle: CurlHandle | None = None

    def attach(self, handle: CurlHandle) -> bool:
        """False when the fetch was cancelled before its thread took it up."""
        with self._lock:
            self._handle = handle
            return not self.cancelled.is_set()

    def detach(self) -> None:
        with self._lock:
            self._handle = None

    def cancel(self) -> None:
        with self._lock:
            self.cancelled.set()
            if self._handle is not None:
                self._handle.sockets.cut()


def _consume(waiter: asyncio.Future[Any]) -> None:
    if not waiter.cancelled():
        waiter.exception()


class CurlOrigin:
    def __init__(
        self,
        *,
        max_redirects: int,
        connect_timeout: float,
        read_timeout: float,
        user_agent: str,
        policy: AddressPolicy | None = None,
        allowed_sources: AllowedSources | None = None,
        counted: ByteCounter = uncounted,
        threads: int = 4,
        resolver: Resolver | None = None,
        verification: Verification | None = None,
    ) -> None:
        """`threads`: transfers at once (one libcurl handle, and its kept-alive connections,
        each); `resolver` replaces libcurl's own name resolution (its answers are pinned for
        libcurl, and still checked when dialled); `verification`: httpx's CA certificates
        unless given."""
        self.max_redirects = max_redirects
        self.threads = threads
        self.policy = policy or AddressPolicy()
        self.allowed_sources = allowed_sources or AllowedSources(())
        self.counted = counted
        self.resolver = resolver
        self.options = HandleOptions(
            connect_timeout,
            read_timeout,
            user_agent,
            self.policy,
            verification or httpx_verification(),
        )
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="curl-origin")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._handles: list[CurlHandle] = []
        self._jobs: set[Job] = set()
        self._running = 0

    @property
    def running(self) -> int:
        """Fetches on the download threads now."""
        return self._running

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        return await self._run(source, max_bytes, Wanted(), original_of)

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        return await self._run(source, max_bytes, Wanted(stops=stops), head_of)

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        wanted = Wanted(byte_range=range_header(start, end).removeprefix("bytes="))
        return await self._run(
            source, max_bytes, wanted, lambda exchange: span_of(exchange, source, start, end)
        )

    async def _run(
        self, source: str, max_bytes: int, wanted: Wanted, finish: Callable[[Exchange], T]
    ) -> T:
        """The final exchange's `finish` (on the download thread)."""
        job = Job()
        future = self._executor.submit(
            self._fetch_on_thread, source, max_bytes, wanted, finish, job
        )
        self._jobs.add(job)
        try:
            return await asyncio.wrap_future(future)
        except Abandoned:  # cancelled by `close`
            raise OriginError(detail=f"{source}: the origin was closed") from None
        except asyncio.CancelledError:
            job.cancel()
            await self._thread_freed(future)
            raise
        finally:
            self._jobs.discard(job)

    async def _thread_freed(self, future: Future[Any]) -> None:
        if future.done():
            return
        waiter = asyncio.wrap_future(future)
        waiter.add_done_callback(_consume)
        await asyncio.wait({waiter}, timeout=CANCEL_GRACE)

    def _handle(self) -> CurlHandle:
        handle: CurlHandle | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = self._local.handle = CurlHandle(self.options)
            with self._lock:
                self._handles.append(handle)
        return handle

    def _fetch_on_thread(
        self,
        source: str,
        max_bytes: int,
        wanted: Wanted,
        finish: Callable[[Exchange], T],
        job: Job,
    ) -> T:
        handle = self._handle()
        with self._lock:
            self._running += 1
        try:
            if not job.attach(handle):
                raise Abandoned
            return finish(self._follow(handle, source, max_bytes, wanted, job.cancelled))
        finally:
            job.detach()
            with self._lock:
                self._running -= 1

    def _follow(
        self,
        handle: CurlHandle,
        source: str,
        max_bytes: int,
        wanted: Wanted,
        cancelled: threading.Event,
    ) -> Exchange:
        url = parse_url(source, source)
        for hop in range(self.max_redirects + 1):
            host, resolve = self._checked_hop(url, source)
            exchange = handle.exchange(
                str(url),
                max_bytes,
                self.counted,
                cancelled,
                resolve,
                byte_range=wanted.byte_range,
                stops=wanted.stops,
            )
            raise_for_failure(exchange, source, host)
            if not exchange.is_redirect or self.max_redirects == 0:
                check_status(exchange, source)
                return exchange
            if hop == self.max_redirects:
                break
            url = redirect_target(url, exchange.headers["location"], source)
        raise OriginError("Too many redirects", detail=f"{source}: too many redirects")

    def _checked_hop(self, url: httpx.URL, source: str) -> tuple[str, list[str]]:
        """(host, pinned resolver entries) of a URL that may be fetched; refuses the others
        before anything is resolved or dialled."""
        self.allowed_sources.check(str(url))
        default_port = WEB_SCHEMES.get(url.scheme)
        if default_port is None:
            raise OriginError(detail=f"{source}: unsupported protocol in {url}")
        host = url.raw_host.decode("ascii")
        literal = parse_host_ip(host)
        if literal is not None:
            check(literal, self.policy)
            return host, []
        if not is_plain_hostname(host):
            raise SourceNotAllowed(NOT_ALLOWED, detail=f"{host!r} is not a valid host name")
        if self.resolver is None:
            return host, []
        port = url.port or default_port
        try:
            addresses = list(dict.fromkeys(self.resolver(host, port)))
        except OSError as error:
            raise OriginError(detail=f"{source}: Cannot resolve {host}: {error}") from None
        if not addresses:
            raise SourceNotAllowed(NOT_ALLOWED, detail=f"{host} resolves to no address")
        spelled = ",".join(f"[{a}]" if a.version == 6 else str(a) for a in addresses)
        return host, [f"{host}:{port}:{spelled}"]

    async def close(self) -> None:
        for job in list(self._jobs):
            job.cancel()
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)
        with self._lock:
            for handle in self._handles:
                handle.close()
            self._handles.clear()
