"""The download bound: originals are fetched at most so many at a time, with a queue of their
own, and outside processing, so a slow origin holds a download slot and never a worker."""

from __future__ import annotations

import asyncio

from config.settings import Settings
from imgproxy.admission import Gate
from imgproxy.errors import OriginTimeout, ProxyError, TooManyRequests
from imgproxy.origins import Origin, Original
from imgproxy.security.allowed_sources import AllowedSources
from imgproxy.telemetry import Metrics, error_kind


def download_slots(settings: Settings) -> int:
    """Downloads at once per process: `concurrent_downloads` when the settings have it, else
    the processing workers' count (as many downloads as could run before, when each one held
    a worker)."""
    configured = getattr(settings, "concurrent_downloads", 0)
    if isinstance(configured, int) and configured > 0:
        return max(1, configured // settings.processes)
    return settings.workers_per_process


class Downloads(Gate):
    def __init__(self, slots: int, queue_size: int, metrics: Metrics) -> None:
        super().__init__(slots, queue_size, metrics, what="download", wait_stage="download_queue")


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
    ) -> None:
        self.origin = origin
        self.allowed = allowed
        self.downloads = downloads
        self.metrics = metrics
        self.timeout = timeout

    async def fetch(self, source: str, max_bytes: int = 0) -> Original:
        try:
            self.allowed.check(source)
            async with self.downloads.slot():
                return await self._download(source, max_bytes)
        except TooManyRequests:
            raise
        except (ProxyError, OSError) as error:
            self.metrics.origin_error(error_kind(error))
            raise

    async def _download(self, source: str, max_bytes: int) -> Original:
        try:
            async with asyncio.timeout(self.timeout):
                return await self.origin.fetch(source, max_bytes)
        except TimeoutError:
            raise OriginTimeout(detail=f"{source}: download over {self.timeout}s") from None

    async def close(self) -> None:
        await self.origin.close()
