"""Bounded stages: at most so many requests inside, a bounded queue in front.

A request that finds the queue full is refused at once (429); one still queued when its
deadline passes is refused by the request's timeout (503). Two gates use this: downloads of
originals (`imgproxy.downloads`) and processing (`Admission`, which a download never holds).
Cache hits pass neither.

A miss downloads its original before it waits for a processing slot, so without a bound a
burst larger than the workers can take would fetch every original at once and hold them all
while it waits (a storm of 64 large sources held ~45 MB so). `Admission.read_ahead` is that
bound: an original is fetched only while fewer than so many others are on their way to a slot
(downloading, or fetched and queued); past it the request waits holding nothing, counted in
the processing queue. A download counts only while it holds its download slot, so a slow
origin takes no more of this room than its share of the download slots.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Iterator

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
            self._refuse()
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

    def _refuse(self) -> None:
        self.shed += 1
        self.metrics.shed("queue_full")
        raise TooManyRequests(detail=f"{self.what} queue full ({self.queue_size} waiting)")

    def _queue_changed(self) -> None:
        return None

    def _holding(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()


class Admission(Gate):
    """Processing: `workers` images at once; `images_in_progress` and `queue_depth` say how
    full it is."""

    def __init__(
        self,
        workers: int,
        queue_size: int,
        metrics: Metrics | None = None,
        *,
        read_ahead: int = 0,
    ) -> None:
        """`read_ahead`: originals on their way to a slot at most (0: no bound)."""
        metrics = metrics or Metrics(process_metrics=False)
        super().__init__(workers, queue_size, metrics, what="processing", wait_stage="queue")
        metrics.capacity(workers, queue_size)
        self.read_ahead = read_ahead
        self.fetching = 0
        self.pacing = 0
        self._woken = 0
        self._room_waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def workers(self) -> int:
        return self.slots

    @property
    def on_the_way(self) -> int:
        """Originals being fetched, or fetched and queued for a slot."""
        return self.fetching + self.queued

    def room_to_fetch(self) -> bool:
        """Whether a place is free that no woken waiter is about to take."""
        return not self.read_ahead or self.on_the_way + self._woken < self.read_ahead

    async def wait_for_room_to_fetch(self, *, again: bool = False) -> None:
        """Returns once an original may be fetched, first come first served; until then the
        request counts as queued for processing, behind the originals on their way, and is
        refused at once when that queue is full. `again`: it had room, lost it to another
        before its fetch began, and waits at the front."""
        if (again or not self._room_waiters) and self.room_to_fetch():
            return
        if self.holding + self.on_the_way + self.pacing >= self.slots + self.queue_size:
            self._refuse()
        self.pacing += 1
        self._report_depth()
        try:
            front = again
            while True:
                waiter = asyncio.get_running_loop().create_future()
                if front:
                    self._room_waiters.appendleft(waiter)
                else:
                    self._room_waiters.append(waiter)
                try:
                    await waiter
                finally:
                    if not waiter.cancelled():  # woken (a cancelled one is skipped)
                        self._woken -= 1
                if self.room_to_fetch():
                    return
                front = True
        except BaseException:
            self._wake_waiters()  # the room it may have been woken for goes to the next one
            raise
        finally:
            self.pacing -= 1
            self._report_depth()

    @contextlib.contextmanager
    def fetching_original(self) -> Iterator[None]:
        """Inside, an original being fetched takes its place in the read-ahead. Fetched, it
        gives the place back, and its request takes one again as it queues for a slot; the
        waiters are woken once the fetching task has ended, which, for a fetch the originals
        cache runs in a task of its own, is after its request has been handed the original
        and has queued, unless it failed."""
        self.fetching += 1
        self._wake_waiters()  # for a place its waiting took from nobody
        try:
            yield
        finally:
            self.fetching -= 1
            task = asyncio.current_task()
            if task is None:
                self._wake_waiters()
            else:
                task.add_done_callback(self._wake_after)

    def _wake_after(self, _: asyncio.Task[object]) -> None:
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        """As many waiters as there is room for, first come first."""
        room = self.read_ahead - self.on_the_way - self._woken
        while room > 0 and self._room_waiters:
            waiter = self._room_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._woken += 1
                room -= 1

    def _report_depth(self) -> None:
        self.metrics.queue_depth(self.queued + self.pacing)

    def _queue_changed(self) -> None:
        self._report_depth()
        self._wake_waiters()

    def _holding(self) -> contextlib.AbstractContextManager[object]:
        return self.metrics.processing()
