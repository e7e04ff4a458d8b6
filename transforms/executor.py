"""The bounded thread pool all libvips work runs in, never the event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import pyvips

from transforms.allocator import limit_arenas

P = ParamSpec("P")
R = TypeVar("R")


def configure_libvips() -> None:
    """One libvips thread per job (parallelism comes from the pool), no operation cache, and
    few malloc arenas for its threads."""
    limit_arenas()
    pyvips.cache_set_max(0)
    pyvips.concurrency_set(int(os.environ.get("VIPS_CONCURRENCY", "1")))


class ProcessingPool:
    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vips")

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: function(*args, **kwargs))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
