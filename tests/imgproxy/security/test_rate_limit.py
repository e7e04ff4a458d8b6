"""Token buckets: local, shared through a real redis-server on loopback, and the fallback.

Time is an injected clock everywhere: nothing sleeps. Redis is killed, paused (SIGSTOP) and
restarted for real.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from imgproxy.errors import TooManyRequests
from imgproxy.security.rate_limit import (
    Decision,
    FallbackRateLimiter,
    LocalRateLimiter,
    RateLimiterUnavailable,
)
from imgproxy.security.redis_rate_limit import TOKEN_BUCKET_SHA, RedisRateLimiter


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def connected(server, count: int = 1):
    """`count` independent clients, as separate replicas would have; no retries inside
    redis-py, the fallback is the retry."""
    clients = [
        Redis(host="127.0.0.1", port=server.port, socket_timeout=2, retry=Retry(NoBackoff(), 0))
        for _ in range(count)
    ]
    try:
        yield clients
    finally:
        for client in clients:
            await client.aclose()


async def takes(limiter, key: str, count: int) -> list[bool]:
    return [(await limiter.take(key)).allowed for _ in range(count)]


# --- local -----------------------------------------------------------------------------------


async def test_local_burst_then_refusal_then_refill():
    clock = Clock()
    limiter = LocalRateLimiter(rate_per_second=2, burst=3, clock=clock)
    assert await takes(limiter, "a", 4) == [True, True, True, False]
    assert await limiter.take("a") == Decision(False, 1)
    assert (await limiter.take("b")).allowed  # other clients have their own bucket
    clock.now += 0.5  # one token back
    assert await takes(limiter, "a", 2) == [True, False]
    clock.now += 10
    assert await takes(limiter, "a", 4) == [True, True, True, False]  # capped at burst


async def test_local_retry_after_is_whole_seconds_rounded_up():
    clock = Clock()
    limiter = LocalRateLimiter(rate_per_second=0.1, burst=1, clock=clock)
    assert (await limiter.take("a")).allowed
    assert await limiter.take("a") == Decision(False, 10)
    clock.now += 9.5
    assert await limiter.take("a") == Decision(False, 1)


async def test_local_clock_going_back_does_not_refill():
    clock = Clock()
    limiter = LocalRateLimiter(rate_per_second=1, burst=1, clock=clock)
    assert await takes(limiter, "a", 2) == [True, False]
    clock.now -= 100
    assert not (await limiter.take("a")).allowed


async def test_local_memory_is_bounded():
    clock = Clock()
    limiter = LocalRateLimiter(rate_per_second=1, burst=2, clock=clock, max_keys=100)
    for index in range(1000):
        await limiter.take(f"client-{index}")
    assert len(limiter.buckets) == 100
    clock.now += 2  # every bucket is full again: same as none
    await limiter.take("late")
    assert list(limiter.buckets) == ["late"]


async def test_local_recent_buckets_survive_eviction():
    clock = Clock()
    limiter = LocalRateLimiter(rate_per_second=1, burst=2, clock=clock)
    await takes(limiter, "old", 1)
    clock.now += 1
    assert await takes(limiter, "busy", 3) == [True, True, False]
    clock.now += 1.5  # "old" idle 2.5 s (full again), "busy" only 1.5 s
    await limiter.take("other")
    assert set(limiter.buckets) == {"busy", "other"}
    assert await takes(limiter, "busy", 2) == [True, False]


def test_decision_raises_too_many_requests():
    Decision(True).raise_if_refused("a")
    with pytest.raises(TooManyRequests) as raised:
        Decision(False, 7).raise_if_refused("203.0.113.9")
    assert (raised.value.status, raised.value.retry_after) == (429, 7)
    assert raised.value.detail == "Rate limit reached for 203.0.113.9"
    assert TooManyRequests.retry_after == 1  # the class default is untouched


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0), (float("inf"), 1)])
def test_bad_numbers(rate, burst):
    with pytest.raises(ValueError, match="Expected rate > 0 and burst >= 1"):
        LocalRateLimiter(rate, burst)


# --- redis -----------------------------------------------------------------------------------


async def test_two_replicas_share_one_budget(redis_server):
    clock = Clock()
    async with connected(redis_server, 2) as (first, second):
        one = RedisRateLimiter(first, rate=1, burst=5, prefix="t:", timeout=2, clock=clock)
        two = RedisRateLimiter(second, rate=1, burst=5, prefix="t:", timeout=2, clock=clock)
        allowed = [(await limiter.take("client")).allowed for limiter in [one, two] * 3]
        assert allowed == [True, True, True, True, True, False]
        assert await two.take("client") == Decision(False, 1)
        assert (await one.take("another")).allowed
        clock.now += 2.5
        assert await takes(two, "client", 1) + await takes(one, "client", 2) == [
            True,
            True,
            False,
        ]
        assert await first.exists("t:client") == 1
        assert 0 < await first.pttl("t:client") <= 6000  # idle buckets expire in Redis


async def test_concurrent_takes_are_atomic(redis_server):
    clock = Clock()
    async with connected(redis_server, 2) as clients:
        limiters = [RedisRateLimiter(c, 1, 10, timeout=5, clock=clock) for c in clients]
        decisions = await asyncio.gather(*(limiters[i % 2].take("k") for i in range(60)))
    assert sum(decision.allowed for decision in decisions) == 10


async def test_redis_clock_by_default(redis_server):
    async with connected(redis_server) as (client,):
        limiter = RedisRateLimiter(client, rate=0.01, burst=3, timeout=2)
        assert await takes(limiter, "k", 4) == [True, True, True, False]
        refusal = await limiter.take("k")
        assert 99 <= refusal.retry_after <= 100  # 1 token at 0.01/s, whatever ms passed


async def test_script_is_loaded_again_after_a_flush(redis_server):
    async with connected(redis_server) as (client,):
        limiter = RedisRateLimiter(client, 1, 2, timeout=2, clock=Clock())
        await client.script_flush()
        assert await client.script_exists(TOKEN_BUCKET_SHA) == [False]
        assert (await limiter.take("k")).allowed  # EVALSHA failed with NOSCRIPT, EVAL ran
        assert await client.script_exists(TOKEN_BUCKET_SHA) == [True]
        assert await takes(limiter, "k", 2) == [True, False]


async def test_unreachable_redis_raises_unavailable(redis_server):
    async with connected(redis_server) as (client,):
        limiter = RedisRateLimiter(client, 1, 2, timeout=1, clock=Clock())
        redis_server.stop()
        with pytest.raises(RateLimiterUnavailable):
            await limiter.take("k")


# --- fallback --------------------------------------------------------------------------------


def fallback(client, clock, *, timeout=1.0) -> FallbackRateLimiter:
    shared = RedisRateLimiter(client, 1, 3, prefix="f:", timeout=timeout, clock=clock)
    local = LocalRateLimiter(1, 3, clock=clock)
    return FallbackRateLimiter(shared, local, retry_interval=5, clock=clock)


async def test_fallback_limits_locally_while_redis_is_down_and_returns(redis_server):
    clock = Clock()
    async with connected(redis_server, 2) as (first, second):
        replica = fallback(first, clock)
        assert await takes(replica, "a", 1) == [True]
        assert replica.using_redis

        redis_server.stop()
        assert await takes(replica, "b", 4) == [True, True, True, False]  # limited, not open
        assert not replica.using_redis
        assert (await replica.take("c")).allowed  # and not closed to everyone
        assert replica.local.buckets.keys() == {"b", "c"}

        redis_server.start()  # same port, empty: the shared budget starts again
        clock.now += 1  # before retry_interval: still local, Redis not asked
        assert await takes(replica, "b", 1) == [True]
        assert not replica.using_redis
        assert await first.exists("f:b") == 0

        clock.now += 5  # after retry_interval: back to Redis, shared again
        other = fallback(second, clock)
        assert await takes(replica, "b", 2) + await takes(other, "b", 2) == [
            True,
            True,
            True,
            False,
        ]
        assert replica.using_redis and other.using_redis
        assert await first.exists("f:b") == 1


async def test_fallback_on_a_hung_redis(redis_server):
    clock = Clock()
    async with connected(redis_server) as (client,):
        replica = fallback(client, clock, timeout=0.5)
        assert (await replica.take("a")).allowed
        redis_server.pause()  # accepts bytes, never answers
        try:
            assert await takes(replica, "a", 4) == [True, True, True, False]
            assert not replica.using_redis
        finally:
            redis_server.resume()
        clock.now += 5
        assert (await replica.take("z")).allowed
        assert replica.using_redis
