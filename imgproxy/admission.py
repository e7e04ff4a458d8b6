"""Admission control: at most `workers` images in processing, a bounded queue in front.

A request that finds the queue full is refused at once (429); one still queued when its
deadline passes is refused by the request's timeout (503). Cache hits never come here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from imgproxy.errors import TooManyRequests
from imgproxy.telemetry import Metrics


class Admission:
    def __init__(self, workers: int, queue_size: int, metrics: Metrics | None = None) -> None:
        self.workers = workers
        self.queue_size = queue_size
        self._slots = asyncio.Semaphore(workers)
        self.admitted = 0
        self.shed = 0
        self.metrics = metrics or Metrics(process_metrics=False)
        self.metrics.capacity(workers, queue_size)

    @property
    def queued(self) -> int:
        return max(0, self.admitted - self.workers)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.admitted >= self.workers + self.queue_size:
            self.shed += 1
            self.metrics.shed("queue_full")
            raise TooManyRequests(detail=f"queue full ({self.queue_size} waiting)")
        self.admitted += 1
        self.metrics.queue_depth(self.queued)
        waiting = time.perf_counter()
        try:
            async with self._slots:
                self.metrics.stage("queue", time.perf_counter() - waiting)
                with self.metrics.processing():
                    yield
        finally:
            self.admitted -= 1
            self.metrics.queue_depth(self.queued)
