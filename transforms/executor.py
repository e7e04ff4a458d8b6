"""The bounded thread pool all libvips work runs in, never the event loop, and the one-thread
lane beside it for the health check."""

from __future__ import annotations

import asyncio
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

import pyvips

from transforms.allocator import limit_arenas, map_large_blocks, trim
from transforms.cancellation import Cancellation
from transforms.check_lane import CheckLane

P = ParamSpec("P")
R = TypeVar("R")
CHECK_PATIENCE = 2.0
"""Seconds the health check may take before it counts as failed (it takes about a millisecond)."""


def configure_libvips() -> None:
    """One libvips thread per job (parallelism comes from the pool), no operation cache, few
    malloc arenas for its threads, and large blocks handed back as soon as they are freed."""
    limit_arenas()
    map_large_blocks()
    pyvips.cache_set_max(0)
    pyvips.concurrency_set(int(os.environ.get("VIPS_CONCURRENCY", "1")))


def _until_cancelled_or_done(cancellation: Cancellation, work: Callable[[], R]) -> R:
    """In the worker thread: nothing at all when cancelled before it started; the memory of a
    job that was cancelled handed back at once (its frames, which hold its images, cleared)."""
    try:
        cancellation.check()
        return work()
    except BaseException as error:
        if cancellation.fired:
            _clear_frames(error)
        raise
    finally:
        if cancellation.fired:
            trim()


def _clear_frames(error: BaseException) -> None:
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        traceback.clear_frames(found.__traceback__)
        found = found.__context__


async def _returned(future: asyncio.Future[R]) -> None:
    """Wait for a worker thread to return, whatever further cancellations arrive meanwhile."""
    while not future.done():
        try:
            await asyncio.wait((future,))
        except asyncio.CancelledError:
            continue
    if not future.cancelled():
        future.exception()  # retrieved: it belongs to a caller that has left


class ProcessingPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vips")
        self._checks = CheckLane(patience=CHECK_PATIENCE, name="vips-check")

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`function(*args, **kwargs)` in a worker thread; see `run_cancellable`."""
        return await self.run_cancellable(Cancellation(), partial(function, *args, **kwargs))

    async def run_cancellable(self, cancellation: Cancellation, work: Callable[[], R]) -> R:
        """`work()` in a worker thread. When the awaiting task is cancelled, `cancellation`
        fires, and this returns (re-raising the cancellation) only once the thread has: a slot
        held around this call is held exactly as long as a thread works for it. Work that has
        not started yet never does."""
        task = self._executor.submit(_until_cancelled_or_done, cancellation, work)
        future = asyncio.wrap_future(task, loop=asyncio.get_running_loop())
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            cancellation.cancel()
            if not task.cancel():
                await _returned(future)
            raise

    async def health_check(self, check: Callable[[], bool]) -> bool:
        """`check()` on a thread of its own, never behind image work (see `CheckLane`)."""
        return await self._checks.run(check)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._checks.shutdown()
