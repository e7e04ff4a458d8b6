"""One run per key: in a process (SingleFlight) and across replicas (Redis lock + L2 polling)."""

from __future__ import annotations

import asyncio
import time

import pytest

from cache.redis_guard import GuardedRedis
from cache.redis_tier import RedisTier
from cache.singleflight import Coalescer, DistributedLock, SingleFlight
from tests.cache.redis_procs import free_port, guarded
from tests.cache.tiers import MemoryTier, raw_tiers

CALLERS = 100


async def test_concurrent_callers_share_one_run() -> None:
    flight: SingleFlight[str] = SingleFlight()
    gate, runs, entered = asyncio.Event(), [], [0]

    async def work() -> str:
        runs.append(1)
        await gate.wait()
        return "result"

    async def caller() -> str:
        entered[0] += 1
        if entered[0] == CALLERS:
            gate.set()  # every caller has joined before the work can finish
        return await flight.do("key", work)

    results = await asyncio.gather(*(caller() for _ in range(CALLERS)))
    assert results == ["result"] * CALLERS
    assert len(runs) == 1
    assert len(flight) == 0
    assert await flight.do("key", work) == "result"  # done: the next call runs again
    assert len(runs) == 2


async def test_an_exception_reaches_every_waiter() -> None:
    flight: SingleFlight[str] = SingleFlight()
    gate, runs, entered = asyncio.Event(), [], [0]

    async def work() -> str:
        runs.append(1)
        await gate.wait()
        raise LookupError("origin said 404")

    async def caller() -> str:
        entered[0] += 1
        if entered[0] == CALLERS:
            gate.set()
        return await flight.do("key", work)

    results = await asyncio.gather(*(caller() for _ in range(CALLERS)), return_exceptions=True)
    assert len(runs) == 1
    assert all(isinstance(r, LookupError) and str(r) == "origin said 404" for r in results)
    assert len(flight) == 0


async def test_different_keys_run_separately() -> None:
    flight: SingleFlight[str] = SingleFlight()

    async def work_for(key: str) -> str:
        return key.upper()

    results = await asyncio.gather(*(flight.do(k, lambda k=k: work_for(k)) for k in "abc"))
    assert results == ["A", "B", "C"]


async def test_a_cancelled_caller_does_not_cancel_the_work_for_the_others() -> None:
    flight: SingleFlight[str] = SingleFlight()
    started, gate = asyncio.Event(), asyncio.Event()

    async def work() -> str:
        started.set()
        await gate.wait()
        return "done"

    first = asyncio.create_task(flight.do("key", work))
    await started.wait()
    second = asyncio.create_task(flight.do("key", work))
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    gate.set()
    assert await second == "done"


async def test_release_only_deletes_its_own_lock(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        lock = DistributedLock(redis)
        token = await lock.acquire("k", 10_000)
        assert token is not None
        assert await lock.acquire("k", 10_000) is None
        await lock.release("k", "someone-else")
        assert await lock.held("k") is True
        await lock.release("k", token)
        assert await lock.held("k") is False
        assert await lock.acquire("k", 10_000) is not None


async def test_lock_on_a_cluster(cluster_url: str) -> None:
    async with guarded(cluster_url, op_timeout=1.0) as redis:
        lock = DistributedLock(redis)
        tokens = [await lock.acquire(f"key-{i}", 10_000) for i in range(20)]
        assert all(tokens)
        assert await lock.acquire("key-3", 10_000) is None
        for i, token in enumerate(tokens):
            assert token is not None
            await lock.release(f"key-{i}", token)
        assert [await lock.held(f"key-{i}") for i in range(20)] == [False] * 20


class Replica:
    """One app instance: its own Redis client, L1, L2 and coalescer."""

    def __init__(self, redis: GuardedRedis, *, lock_ttl_ms: int = 10_000, wait: float = 5.0):
        self.l2 = RedisTier(redis)
        self.cache = raw_tiers(MemoryTier(1 << 20), self.l2)
        self.coalescer: Coalescer[bytes] = Coalescer(
            DistributedLock(redis), lock_ttl_ms=lock_ttl_ms, wait_timeout=wait
        )
        self.polled = asyncio.Event()
        self.working = asyncio.Event()

    async def poll(self, key: str) -> bytes | None:
        self.polled.set()
        return await self.l2.get(key)

    async def get(self, key: str, work_runs: list[str], gate: asyncio.Event | None = None) -> bytes:
        async def work() -> bytes:
            work_runs.append(key)
            self.working.set()
            if gate is not None:
                await gate.wait()
            result = b"processed " + key.encode()
            await self.cache.set(key, result, 60)  # stored before the lock is released
            return result

        return await self.coalescer.do(key, work, lambda: self.poll(key))


async def test_two_replicas_process_once_and_the_other_gets_the_result(redis_url: str) -> None:
    async with guarded(redis_url) as redis_a, guarded(redis_url) as redis_b:
        a, b = Replica(redis_a), Replica(redis_b)
        runs: list[str] = []
        gate = asyncio.Event()
        first = asyncio.create_task(a.get("v", runs, gate))
        await a.working.wait()  # a holds the lock
        second = asyncio.create_task(b.get("v", runs))
        await b.polled.wait()  # b found the lock taken and is waiting for a's result
        gate.set()
        assert await first == await second == b"processed v"
        assert runs == ["v"]
        assert await DistributedLock(redis_a).held("v") is False


async def test_a_lost_holder_times_out_and_the_waiter_works_itself(redis_url: str) -> None:
    async with guarded(redis_url) as redis_a, guarded(redis_url) as redis_b:
        crashed = await DistributedLock(redis_a).acquire("v", ttl_ms=300)  # never released
        assert crashed is not None
        b = Replica(redis_b, wait=5.0)
        runs: list[str] = []
        started = time.monotonic()
        assert await b.get("v", runs) == b"processed v"
        elapsed = time.monotonic() - started
        assert runs == ["v"]
        assert 0.2 < elapsed < 5.0  # waited for the lock to expire, well within the bound


async def test_a_slow_holder_does_not_hold_waiters_past_their_bound(redis_url: str) -> None:
    async with guarded(redis_url) as redis_a, guarded(redis_url) as redis_b:
        assert await DistributedLock(redis_a).acquire("v", ttl_ms=60_000) is not None
        b = Replica(redis_b, wait=0.3)
        runs: list[str] = []
        started = time.monotonic()
        assert await b.get("v", runs) == b"processed v"
        assert runs == ["v"]
        assert 0.25 < time.monotonic() - started < 2.0


async def test_without_redis_every_replica_works_for_itself() -> None:
    async with guarded(f"redis://127.0.0.1:{free_port()}", op_timeout=0.05) as redis:
        replica = Replica(redis)
        runs: list[str] = []
        started = time.monotonic()
        assert await replica.get("v", runs) == b"processed v"
        assert runs == ["v"]
        assert time.monotonic() - started < 1.0


async def test_many_callers_on_two_replicas_run_the_work_once(redis_url: str) -> None:
    async with guarded(redis_url) as redis_a, guarded(redis_url) as redis_b:
        a, b = Replica(redis_a), Replica(redis_b)
        runs: list[str] = []
        gate = asyncio.Event()
        leader = asyncio.create_task(a.get("v", runs, gate))
        await a.working.wait()
        others = [asyncio.create_task(r.get("v", runs, gate)) for r in (a, b) * 25]
        await b.polled.wait()
        gate.set()
        results = await asyncio.gather(leader, *others)
        assert results == [b"processed v"] * 51
        assert runs == ["v"]
