"""The download bound: originals are fetched at most so many at a time, with a queue of their
own, and outside processing, so a slow origin holds a download slot and never a worker. One
origin host holds at most its share of the slots and of the queue, so a slow origin cannot
take the slots other origins need."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

from config.settings import Settings
from imgproxy.admission import Admission, Gate
from imgproxy.errors import OriginTimeout, ProxyError, TooManyRequests
from imgproxy.origins import Origin, Original
from imgproxy.origins.ranges import Head, Span, Stops, fetch_head, fetch_range
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.telemetry.labels import error_kind
from imgproxy.telemetry.metrics import Metrics

T = TypeVar("T")


def download_slots(settings: Settings) -> int:
    """Downloads at once per process: IMGPROXY_CONCURRENT_DOWNLOADS split across the
    processes, else the processing workers' count (as many downloads as could run before, when
    each one held a worker)."""
    if settings.concurrent_downloads > 0:
        return max(1, settings.concurrent_downloads // settings.processes)
    return settings.workers_per_process


def downloads_per_host(settings: Settings) -> int:
    """Download slots one origin host may hold: IMGPROXY_MAX_DOWNLOADS_PER_HOST, else half the
    slots rounded up (all of them when there is one)."""
    slots = download_slots(settings)
    if settings.max_downloads_per_host > 0:
        return min(slots, settings.max_downloads_per_host)
    return (slots + 1) // 2


def host_of(source: str) -> str:
    """What shares one host's slots: scheme, host and port (the bucket for s3, one for local)."""
    try:
        parts = urlsplit(source)
        return f"{parts.scheme.lower()}://{parts.hostname or ''}:{parts.port or ''}"
    except ValueError:
        scheme, _, rest = source.partition("://")
        return f"{scheme.lower()}://{rest.partition('/')[0].lower()}"


class HostShares:
    """Per origin host: at most `slots` downloading and `queue_size` waiting for them."""

    def __init__(self, slots: int, queue_size: int, metrics: Metrics) -> None:
        self.slots = slots
        self.queue_size = queue_size
        self.metrics = metrics
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._entered: dict[str, int] = {}

    def entered(self, host: str) -> int:
        return self._entered.get(host, 0)

    @contextlib.asynccontextmanager
    async def share(self, host: str) -> AsyncIterator[None]:
        entered = self.entered(host)
        if entered >= self.slots + self.queue_size:
            self.metrics.shed("queue_full")
            raise TooManyRequests(
                detail=f"download queue full for {host} ({self.queue_size} waiting)"
            )
        semaphore = self._semaphores.get(host)
        if semaphore is None:
            semaphore = self._semaphores[host] = asyncio.Semaphore(self.slots)
        self._entered[host] = entered + 1
        try:
            async with semaphore:
                yield
        finally:
            self._entered[host] -= 1
            if not self._entered[host]:
                del self._entered[host], self._semaphores[host]


class Downloads(Gate):
    def __init__(
        self, slots: int, queue_size: int, metrics: Metrics, *, per_host: int | None = None
    ) -> None:
        """`per_host`: slots one host may hold (None: all); its share of the queue is in
        the same proportion."""
        super().__init__(slots, queue_size, metrics, what="download", wait_stage="download_queue")
        host_slots = slots if per_host is None else max(1, min(slots, per_host))
        self.hosts = HostShares(host_slots, queue_size * host_slots // slots, metrics)

    def slot_for(self, source: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self.slot(self.hosts.share(host_of(source)))

    def _queue_changed(self) -> None:
        self.metrics.download_queue_depth(self.queued)

    def _holding(self) -> contextlib.AbstractContextManager[object]:
        return self.metrics.downloading()


class DownloadingOrigin:
    """The origins behind the same protocol: allowed sources only, under the download bound,
    within the download timeout, every failure counted by kind."""

    def __init__(
        self,
        origin: Origin,
        allowed: AllowedSources,
        downloads: Downloads,
        metrics: Metrics,
        *,
        timeout: float,
        processing: Admission | None = None,
    ) -> None:
        """`processing`: whose read-ahead paces the fetches of whole originals (None: not
        paced)."""
        self.origin = origin
        self.allowed = allowed
        self.downloads = downloads
        self.metrics = metrics
        self.timeout = timeout
        self.processing = processing

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        return await self._download(
            source, lambda: self.origin.fetch(source, max_bytes), self.processing
        )

    async def fetch_head(self, source: str, max_bytes: int, stops: Stops) -> Original | Head:
        return await self._download(
            source, lambda: fetch_head(self.origin, source, max_bytes, stops), self.processing
        )

    async def fetch_range(self, source: str, start: int, end: int, max_bytes: int) -> Span:
        """Like any download: allowed sources, a download slot, the download timeout. Not
        paced: a range is read by a render that already holds its processing slot."""
        return await self._download(
            source, lambda: fetch_range(self.origin, source, start, end, max_bytes), None
        )

    async def _download(
        self, source: str, call: Callable[[], Awaitable[T]], processing: Admission | None
    ) -> T:
        try:
            self.allowed.check(source)
            if processing is not None:
                return await self._paced(source, call, processing)
            async with self.downloads.slot_for(source):
                return await self._timed(source, call)
        except TooManyRequests:
            raise
        except (ProxyError, OSError) as error:
            self.metrics.origin_error(error_kind(error))
            raise

    async def _paced(
        self, source: str, call: Callable[[], Awaitable[T]], processing: Admission
    ) -> T:
        """Under a download slot once the read-ahead has room; a place taken by another while
        it waited for the slot is waited for again, at the front."""
        again = False
        while True:
            await processing.wait_for_room_to_fetch(again=again)
            async with self.downloads.slot_for(source):
                if processing.room_to_fetch():
                    with processing.fetching_original():
                        return await self._timed(source, call)
            again = True

    async def _timed(self, source: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call()
        except TimeoutError:
            raise OriginTimeout(detail=f"{source}: download over {self.timeout}s") from None

    async def close(self) -> None:
        await self.origin.close()
