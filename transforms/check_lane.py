"""A quick self-check on a thread of its own, so it never queues behind image work.

One check runs at a time and every caller that arrives meanwhile shares it. A check still
running after `patience` seconds counts as failed, at once and for every caller, and no second
one starts beside it: a hung check holds one thread, not one per probe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


class CheckLane:
    def __init__(self, *, patience: float, name: str = "check") -> None:
        self.patience = patience
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._running: asyncio.Future[bool] | None = None
        self._started = 0.0

    async def run(self, check: Callable[[], bool]) -> bool:
        """`check()`'s answer; False when it raised or has been running for `patience`."""
        if self._running is None or self._running.done():
            self._running = asyncio.get_running_loop().run_in_executor(self._executor, check)
            self._started = time.monotonic()
        remaining = self.patience - (time.monotonic() - self._started)
        if remaining <= 0:
            return False
        try:
            async with asyncio.timeout(remaining):
                return await asyncio.shield(self._running)
        except TimeoutError:
            return False
        except Exception:  # a failing check is an unhealthy answer, not an error
            return False

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
