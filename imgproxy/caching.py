"""The cache tiers built from the settings: results (L1 + Redis), originals, coalescing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from cache.breaker import CircuitBreaker
from cache.record import CachedVariant
from cache.redis_guard import GuardedRedis
from cache.redis_tier import RedisTier
from cache.singleflight import Coalescer, DistributedLock
from cache.variants import RecordsL1, VariantCache
from config.settings import Settings
from imgproxy.origins.caching import OriginalsCache, OriginalsL1
from imgproxy.telemetry.labels import breaker_state_name
from imgproxy.telemetry.metrics import Metrics

ORIGINALS_PREFIX = "imgproxy:s:"
ORIGINAL_MAX_BYTES = 8 << 20


@dataclass(frozen=True)
class Caches:
    variants: VariantCache
    sources: OriginalsCache
    coalescer: Coalescer[CachedVariant]
    redis: GuardedRedis | None
    """The one Redis client, shared by every Redis user (the rate limiter too)."""
    results_l2: RedisTier | None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Listening for purges broadcast by other replicas (needs a running event loop)."""
        listener = None
        if self.results_l2 is not None:
            l1 = self.variants.l1
            listener = asyncio.create_task(
                self.results_l2.listen_purges(l1.discard_many, on_reconnect=l1.clear)
            )
        try:
            yield
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()


def watch_redis(redis: GuardedRedis, metrics: Metrics) -> None:
    """Failed calls and the breaker's state into the metrics."""
    redis.on_failure = metrics.redis_error
    redis.on_state = lambda state: metrics.breaker(breaker_state_name(state.value))
    metrics.breaker("closed")


def build_caches(settings: Settings, metrics: Metrics | None = None) -> Caches:
    redis = None
    results_l2 = originals_l2 = None
    lock = None
    if settings.redis_url:
        redis = GuardedRedis.from_url(
            settings.redis_url,
            op_timeout=settings.redis_timeout,
            breaker=CircuitBreaker(failure_threshold=5, reset_timeout=settings.redis_breaker_reset),
        )
        if metrics is not None:
            watch_redis(redis, metrics)
        results_l2 = RedisTier(redis)
        originals_l2 = (
            None
            if not settings.sources_cache_ttl
            else RedisTier(
                redis, prefix=ORIGINALS_PREFIX, timeout=0.25, max_value_bytes=ORIGINAL_MAX_BYTES
            )
        )
        lock = DistributedLock(redis)
    variants = VariantCache(RecordsL1(settings.cache_memory_bytes), results_l2)
    sources = OriginalsCache(
        OriginalsL1(settings.sources_cache_bytes), originals_l2, ttl=settings.sources_cache_ttl
    )
    coalescer: Coalescer[CachedVariant] = Coalescer(
        # A holder may take the whole request deadline; a waiter gives up on it after a third
        # of it and processes itself, so a replica that died holding the lock costs others a
        # delay, never a failed request.
        lock,
        lock_ttl_ms=int(settings.timeout * 1000),
        wait_timeout=settings.timeout / 3,
    )
    return Caches(variants, sources, coalescer, redis, results_l2)
