"""IMGPROXY_FREE_MEMORY_INTERVAL: the release runs periodically, off the loop, and stops."""

from __future__ import annotations

import asyncio
import threading

from config.settings import Settings
from imgproxy.memory_release import memory_released_every


async def test_release_runs_repeatedly_in_a_thread_and_stops_on_exit() -> None:
    calls: list[str] = []
    twice = asyncio.Event()
    loop = asyncio.get_running_loop()

    def release() -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 2:
            loop.call_soon_threadsafe(twice.set)

    async with memory_released_every(0.01, release):
        await asyncio.wait_for(twice.wait(), timeout=10)
    stopped_at = len(calls)
    assert stopped_at >= 2
    assert threading.main_thread().name not in calls
    await asyncio.sleep(0.05)  # a live task would have run the release several more times
    assert len(calls) == stopped_at


async def test_zero_turns_it_off() -> None:
    calls: list[int] = []
    async with memory_released_every(0, lambda: calls.append(1)):
        await asyncio.sleep(0.05)
    assert calls == []


def test_setting_is_read() -> None:
    assert Settings().free_memory_interval == 10.0
    settings = Settings.from_env({"IMGPROXY_FREE_MEMORY_INTERVAL": "2.5"})
    assert settings.free_memory_interval == 2.5
