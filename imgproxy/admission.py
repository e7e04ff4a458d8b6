"""Bounded stages: at most so many requests inside, a bounded queue in front.

A request that finds the queue full is refused at once (429); one still queued when its
deadline passes is refused by the request's timeout (503). Two gates use this: downloads of
originals (`imgproxy.downloads`) and processing (`Admission`, which a download never holds).
Cache hits pass neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from imgproxy.errors import TooManyRequests
from imgproxy.telemetry.labels import Stage
from imgproxy.telemetry.metrics import Metrics

NO_SHARE: contextlib.nullcontext[None] = contextlib.nullcontext()


class Gate:
    def __init__(
        self, slots: int, queue_size: int, metrics: Metrics, *, what: str, wait_stage: Stage
    ) -> None:
        self.slots = slots
        self.queue_size = queue_size
        self.metrics = metrics
        self.what = what
        self.wait_stage: Stage = wait_stage
        self._slots = asyncio.Semaphore(slots)
        self.admitted = 0
        self.holding = 0
        self.shed = 0

    @property
    def queued(self) -> int:
        return self.admitted - self.holding

    @contextlib.asynccontextmanager
    async def slot(
        self, share: contextlib.AbstractAsyncContextManager[object] = NO_SHARE
    ) -> AsyncIterator[None]:
        """Inside: one of the slots. `share`, entered once admitted and before waiting for a
        slot, may hold the request back longer (or refuse it) while it counts as queued."""
        if self.admitted >= self.slots + self.queue_size:
            self.shed += 1
            self.metrics.shed("queue_full")
            raise TooManyRequests(detail=f"{self.what} queue full ({self.queue_size} waiting)")
        self.admitted += 1
        self._queue_changed()
        waiting = time.perf_counter()
        try:
            async with share, self._slots:
                self.metrics.stage(self.wait_stage, time.perf_counter() - waiting)
                self.holding += 1
                self._queue_changed()
                try:
                    with self._holding():
                        yield
                finally:
                    self.holding -= 1
        finally:
            self.admitted -= 1
            self._queue_changed()

    def _queue_changed(self) -> None:
        return None

    def _holding(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()


class Admission(Gate):
    """Processing: `workers` images at once; `images_in_progress` and `queue_depth` say how
    full it is."""

    def __init__(self, workers: int, queue_size: int, metrics: Metrics | None = None) -> None:
        metrics = metrics or Metrics(process_metrics=False)
        super().__init__(workers, queue_size, metrics, what="processing", wait_stage="queue")
        metrics.capacity(workers, queue_size)

    @property
    def workers(self) -> int:
        return self.slots

    def _queue_changed(self) -> None:
        self.metrics.queue_depth(self.queued)

    def _holding(self) -> contextlib.AbstractContextManager[object]:
        return self.metrics.processing()
