"""Doing one piece of work once: in a process (`SingleFlight`), across replicas
(`DistributedLock` on Redis), and both together (`Coalescer`). Nothing here can deadlock: the
in-process entry goes when its work ends, a Redis lock expires by PX, and waiting is bounded."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Generic, TypeVar

from cache.redis_guard import GuardedRedis

T = TypeVar("T")
X = TypeVar("X")

RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""
_FAILED = object()


class SingleFlight(Generic[T]):
    """Concurrent `do` calls with one key share one run of `work`; its result or exception
    reaches every caller. The run is a task of its own: a caller that is cancelled (client
    gone) does not cancel it for the others, but when the last caller leaves the run is
    cancelled too, so abandoned work frees its slot. The next call after it ends, or after
    every caller left, runs again."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[T]] = {}
        self._callers: dict[asyncio.Future[T], int] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def do(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        future = self._running.get(key)
        if future is None:
            future = asyncio.ensure_future(work())
            self._running[key] = future
            future.add_done_callback(partial(self._done, key))
        self._callers[future] = self._callers.get(future, 0) + 1
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if self._callers.get(future) == 1 and not future.done():
                future.cancel()
                self._forget(key, future)  # its work may take a while to stop: run anew
            raise
        finally:
            remaining = self._callers.pop(future, 1) - 1
            if remaining:
                self._callers[future] = remaining

    def _forget(self, key: str, future: asyncio.Future[T]) -> None:
        if self._running.get(key) is future:
            del self._running[key]

    def _done(self, key: str, future: asyncio.Future[T]) -> None:
        self._forget(key, future)
        if not future.cancelled():
            future.exception()  # retrieved: no "never retrieved" warning if every caller left


class DistributedLock:
    """A short Redis lock per key (SET NX PX + compare-and-delete). When Redis cannot be reached
    `acquire` still returns a token: without Redis every replica works for itself."""

    def __init__(
        self,
        redis: GuardedRedis,
        *,
        prefix: str = "imgproxy:lock:",
        clock: Callable[[], float] = time.monotonic,
        max_poll_interval: float = 0.2,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.clock = clock
        self.max_poll_interval = max_poll_interval

    async def acquire(self, key: str, ttl_ms: int) -> str | None:
        """A token when this caller holds the lock (or Redis is unavailable); None while
        another holder has it."""
        token = secrets.token_urlsafe(16)
        name = self.prefix + key
        got = await self.redis.run(
            "lock", lambda c: c.set(name, token, nx=True, px=ttl_ms), _FAILED
        )
        return token if got is _FAILED or got else None

    async def release(self, key: str, token: str) -> None:
        """Delete the lock only if it is still this token's (not a later holder's)."""
        name = self.prefix + key
        await self.redis.run("unlock", lambda c: c.eval(RELEASE_SCRIPT, 1, name, token), None)

    async def held(self, key: str) -> bool | None:
        """Is the lock taken? None when Redis cannot say."""
        count = await self.redis.run("locked", lambda c: c.exists(self.prefix + key), None)
        return None if count is None else count > 0

    async def wait_for(
        self,
        key: str,
        poll: Callable[[], Awaitable[X | None]],
        timeout: float,  # noqa: ASYNC109 - a bounded wait that returns None, not a cancel
    ) -> X | None:
        """Poll (with backoff) until `poll` finds the holder's result, the lock is gone (holder
        finished or its lock expired), Redis cannot say, or `timeout` passes; None unless found."""
        deadline = self.clock() + timeout
        delay = 0.005
        while True:
            found = await poll()
            if found is not None:
                return found
            remaining = deadline - self.clock()
            if remaining <= 0:
                return None
            if await self.held(key) is not True:
                return await poll()  # the holder may have stored it just before releasing
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, self.max_poll_interval)


class Coalescer(Generic[T]):
    """`SingleFlight` in the process, then the Redis lock across replicas.

    `work` must store its result where `poll` finds it (L2) before returning: the lock is
    released after it. A waiter that does not see a result within `wait_timeout` works itself;
    one whose holder vanished takes the lock over. `lock_ttl_ms` should cover a normal run
    (e.g. the processing timeout): past it a second replica may start the same work.
    """

    def __init__(
        self,
        lock: DistributedLock | None,
        *,
        lock_ttl_ms: int = 10_000,
        wait_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = lock
        self.lock_ttl_ms = lock_ttl_ms
        self.wait_timeout = wait_timeout
        self.clock = clock
        self.flight: SingleFlight[T] = SingleFlight()

    async def do(
        self,
        key: str,
        work: Callable[[], Awaitable[T]],
        poll: Callable[[], Awaitable[T | None]],
    ) -> T:
        return await self.flight.do(key, lambda: self._across_replicas(key, work, poll))

    async def _across_replicas(
        self,
        key: str,
        work: Callable[[], Awaitable[T]],
        poll: Callable[[], Awaitable[T | None]],
    ) -> T:
        if self.lock is None:
            return await work()
        deadline = self.clock() + self.wait_timeout
        while True:
            token = await self.lock.acquire(key, self.lock_ttl_ms)
            if token is not None:
                try:
                    found = await poll()  # another replica may have finished just before
                    return found if found is not None else await work()
                finally:
                    await self.lock.release(key, token)
            remaining = deadline - self.clock()
            found = await self.lock.wait_for(key, poll, remaining) if remaining > 0 else None
            if found is not None:
                return found
            if self.clock() >= deadline:
                return await work()
