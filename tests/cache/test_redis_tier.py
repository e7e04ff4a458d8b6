"""L2 on real redis-server processes: one server and a three-node Cluster; failures never raise."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from cache.breaker import BreakerState, CircuitBreaker
from cache.redis_client import parse_redis_url
from cache.redis_guard import RedisUnavailable
from cache.redis_tier import RedisTier
from tests.cache.redis_procs import FakeClock, RedisClusterProcesses, RedisProcess, cli, guarded
from tests.cache.tiers import MemoryTier, raw_tiers

BINARY = bytes(range(256)) * 64  # 16 KiB with NULs and invalid UTF-8


def test_redis_urls_for_one_server_and_a_cluster() -> None:
    assert parse_redis_url("redis://127.0.0.1:6379/0") == (False, "redis://127.0.0.1:6379/0")
    assert parse_redis_url("rediss://h:1") == (False, "rediss://h:1")
    assert parse_redis_url("redis+cluster://u:p@h:7000") == (True, "redis://u:p@h:7000")
    assert parse_redis_url("rediss+cluster://h:7000") == (True, "rediss://h:7000")
    with pytest.raises(ValueError) as caught:
        parse_redis_url("http://h:1")
    assert str(caught.value) == (
        "Expected a Redis URL scheme (redis, redis+cluster, rediss, rediss+cluster, unix) "
        "but received 'http'"
    )


async def test_round_trip_on_one_server(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        assert not redis.is_cluster
        tier = RedisTier(redis)
        assert await tier.get("missing") is None
        await tier.set("k", BINARY, 60)
        assert await tier.get("k") == BINARY
        data, ttl = await tier.get_with_ttl("k") or (b"", 0.0)
        assert data == BINARY and 59 < ttl <= 60
        await tier.set("zero", b"x", 0)
        assert await tier.get("zero") is None
        await tier.delete("k")
        assert await tier.get("k") is None
        assert await tier.get_with_ttl("k") is None
        assert redis.stats.failures == 0


async def test_round_trip_on_a_cluster_spreads_keys_across_slots(
    cluster_url: str, redis_cluster: RedisClusterProcesses
) -> None:
    async with guarded(cluster_url, op_timeout=1.0) as redis:
        assert redis.is_cluster
        tier = RedisTier(redis)
        values = {f"key-{i}": BINARY + i.to_bytes(2, "big") for i in range(60)}
        for key, value in values.items():
            await tier.set(key, value, 60)
        for key, value in values.items():
            assert await tier.get(key) == value
            hit = await tier.get_with_ttl(key)
            assert hit is not None and hit[0] == value and 59 < hit[1] <= 60
        slots = {
            cli(redis_cluster.nodes[0].port, "cluster", "keyslot", tier.prefix + k) for k in values
        }
        assert len(slots) > 50
        assert all(int(cli(node.port, "dbsize")) > 0 for node in redis_cluster.nodes)
        assert redis.stats.failures == 0


async def test_killed_redis_never_fails_and_the_breaker_probes_it_back(
    start_redis: Callable[[], RedisProcess],
) -> None:
    server = start_redis()
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=30, clock=clock)
    async with guarded(server.url, op_timeout=0.05, breaker=breaker) as redis:
        l2 = RedisTier(redis)
        cache = raw_tiers(MemoryTier(1 << 20), l2)
        await cache.set("kept", b"in both tiers", 60)
        assert await l2.get("kept") == b"in both tiers"

        server.stop()
        for _ in range(3):
            started = time.perf_counter()
            assert await l2.get("kept") is None
            await l2.set("other", b"x", 60)
            assert time.perf_counter() - started < 0.5
        assert breaker.state is BreakerState.OPEN
        assert redis.stats.failures >= 3

        calls = redis.stats.calls
        assert await l2.get("kept") is None
        await l2.set("other", b"x", 60)
        assert redis.stats.calls == calls  # open: Redis is not even tried
        assert redis.stats.skipped >= 2
        assert await cache.get("kept") == b"in both tiers"  # L1 still serves
        with pytest.raises(RedisUnavailable):
            await l2.purge("source")

        server.start()  # same port
        assert await l2.get("kept") is None  # still open: the cool-down has not passed
        clock.advance(30)
        await l2.set("back", b"again", 60)  # the half-open probe
        assert breaker.state is BreakerState.CLOSED
        assert await l2.get("back") == b"again"


async def test_a_hung_redis_costs_one_op_timeout(start_redis: Callable[[], RedisProcess]) -> None:
    server = start_redis()
    async with guarded(server.url, op_timeout=0.05) as redis:
        tier = RedisTier(redis)
        await tier.set("k", b"v", 60)
        server.pause()
        try:
            started = time.perf_counter()
            assert await tier.get("k") is None
            assert time.perf_counter() - started < 0.5
            assert redis.stats.timeouts == 1
        finally:
            server.resume()
        assert await tier.get("k") == b"v"
        assert redis.breaker.state is BreakerState.CLOSED


async def _purge_reaches_both_replicas(url: str) -> None:
    async with guarded(url, op_timeout=1.0) as redis_a, guarded(url, op_timeout=1.0) as redis_b:
        replicas = []
        for redis in (redis_a, redis_b):
            l1, l2 = MemoryTier(1 << 20), RedisTier(redis)
            received: asyncio.Queue[list[str]] = asyncio.Queue()
            subscribed = asyncio.Event()

            def on_purge(
                keys: list[str], l1: MemoryTier = l1, q: asyncio.Queue[list[str]] = received
            ) -> None:
                l1.discard_many(keys)
                q.put_nowait(keys)

            task = asyncio.create_task(l2.listen_purges(on_purge, subscribed=subscribed))
            replicas.append((l1, l2, received, task))
            await asyncio.wait_for(subscribed.wait(), 10)
        (l1_a, l2_a, got_a, _), (l1_b, l2_b, got_b, _) = replicas
        variants = [f"variant-{i}" for i in range(5)]
        for key in variants:
            await raw_tiers(l1_a, l2_a).set(key, BINARY, 60)
            await l2_a.index("photo", key, 60)
            assert await raw_tiers(l1_b, l2_b).get(key) == BINARY  # fills B's L1
        await l2_a.set("other-source-variant", b"keep", 60)
        await l2_a.index("other", "other-source-variant", 60)

        purged = await l2_a.purge("photo")
        assert purged == sorted(variants)
        await l2_a.publish_purge(purged)
        assert await asyncio.wait_for(got_a.get(), 10) == purged
        assert await asyncio.wait_for(got_b.get(), 10) == purged
        for key in variants:
            assert key not in l1_a and key not in l1_b
            assert await l2_b.get(key) is None
        assert await l2_b.get("other-source-variant") == b"keep"
        assert await l2_a.purge("photo") == []
        for *_, task in replicas:
            task.cancel()
        for *_, task in replicas:
            with pytest.raises(asyncio.CancelledError):
                await task


async def test_purge_index_and_broadcast_on_one_server(redis_url: str) -> None:
    await _purge_reaches_both_replicas(redis_url)


async def test_purge_index_and_broadcast_on_a_cluster(cluster_url: str) -> None:
    await _purge_reaches_both_replicas(cluster_url)


async def test_index_expires_with_the_variants(redis_url: str, redis_server: RedisProcess) -> None:
    async with guarded(redis_url) as redis:
        tier = RedisTier(redis)
        await tier.index("photo", "v1", 100)
        await tier.index("photo", "v2", 100)
        ttl = int(cli(redis_server.port, "ttl", tier.index_prefix + "photo"))
        assert 90 < ttl <= 100


async def test_listener_resubscribes_after_redis_restarts(
    start_redis: Callable[[], RedisProcess],
) -> None:
    server = start_redis()
    async with guarded(server.url) as listener_redis, guarded(server.url) as publisher_redis:
        subscribed, lost, reconnected = asyncio.Event(), asyncio.Event(), asyncio.Event()
        received: asyncio.Queue[list[str]] = asyncio.Queue()
        task = asyncio.create_task(
            RedisTier(listener_redis).listen_purges(
                received.put_nowait,
                subscribed=subscribed,
                lost=lost,
                on_reconnect=reconnected.set,
            )
        )
        await asyncio.wait_for(subscribed.wait(), 10)
        server.stop()
        await asyncio.wait_for(lost.wait(), 10)
        assert not subscribed.is_set()
        server.start()
        await asyncio.wait_for(reconnected.wait(), 10)
        assert subscribed.is_set() and not lost.is_set()
        await RedisTier(publisher_redis).publish_purge(["a", "b"])
        assert await asyncio.wait_for(received.get(), 10) == ["a", "b"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_malformed_purge_messages_are_ignored(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        tier = RedisTier(redis)
        received: asyncio.Queue[list[str]] = asyncio.Queue()
        subscribed = asyncio.Event()
        task = asyncio.create_task(tier.listen_purges(received.put_nowait, subscribed=subscribed))
        await asyncio.wait_for(subscribed.wait(), 10)
        await redis.client.publish(tier.channel, b"not json")
        await redis.client.publish(tier.channel, b'{"a": 1}')
        await tier.publish_purge(["ok"])
        assert await asyncio.wait_for(received.get(), 10) == ["ok"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
