"""IMGPROXY_FREE_MEMORY_INTERVAL: hand freed memory back to the system every few seconds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from transforms.allocator import trim


async def release_every(interval: float, release: Callable[[], object] = trim) -> None:
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(release)


@contextlib.asynccontextmanager
async def memory_released_every(
    interval: float, release: Callable[[], object] = trim
) -> AsyncIterator[None]:
    """While inside, `release` runs every `interval` seconds off the event loop; 0 turns it off."""
    if interval <= 0:
        yield
        return
    task = asyncio.create_task(release_every(interval, release))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
