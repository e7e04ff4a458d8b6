"""Token-bucket rate limiting per client key: local, shared through Redis, and the fallback
that keeps limiting locally while Redis is unreachable (the Redis limiter itself is in
`redis_rate_limit`, loaded only where Redis is configured).

A bucket holds at most `burst` tokens and refills at `rate` tokens per second; a request takes
one token or is refused with the whole seconds until one is back (`retry_after`, at least 1).
`FallbackRateLimiter` never fails open (no limit) nor closed (everyone refused): while Redis
errors or times out every replica limits on its own buckets with the same numbers (so the
fleet-wide budget is at most replicas x rate until Redis answers again; give the local limiter
`rate / replicas` to keep the budget exact), and it tries Redis again every `retry_interval`.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from imgproxy.errors import TooManyRequests

LOG = logging.getLogger(__name__)
Clock = Callable[[], float]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0
    """Whole seconds until a token is back: at least 1 when refused, 0 when allowed."""

    def raise_if_refused(self, key: str = "") -> None:
        if not self.allowed:
            error = TooManyRequests(detail=f"Rate limit reached for {key or 'client'}")
            error.retry_after = self.retry_after
            raise error


def refused(seconds: float) -> Decision:
    return Decision(False, max(1, math.ceil(seconds)))


class RateLimiter(Protocol):
    async def take(self, key: str) -> Decision: ...


class RateLimiterUnavailable(Exception):
    """The shared store did not answer in time (not a client error: fall back)."""


def check_numbers(rate: float, burst: int) -> None:
    if not (rate > 0 and math.isfinite(rate)) or burst < 1:
        raise ValueError(f"Expected rate > 0 and burst >= 1 but received {rate} and {burst}")


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class LocalRateLimiter:
    """Buckets in this process. Memory is bounded: a bucket idle long enough to be full again is
    the same as no bucket and is dropped, and at most `max_keys` buckets are kept (the least
    recently used goes first)."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        clock: Clock = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        check_numbers(rate_per_second, burst)
        self.rate = rate_per_second
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self.refill_seconds = burst / rate_per_second
        self.buckets: OrderedDict[str, _Bucket] = OrderedDict()  # least recently used first

    async def take(self, key: str) -> Decision:
        return self.take_now(key)

    def take_now(self, key: str) -> Decision:
        now = self.clock()
        self._evict_idle(now)
        bucket = self.buckets.pop(key, None)
        tokens = float(self.burst)
        if bucket is not None:
            elapsed = max(0.0, now - bucket.updated)
            tokens = min(tokens, bucket.tokens + elapsed * self.rate)
        decision = Decision(True)
        if tokens >= 1:
            tokens -= 1
        else:
            decision = refused((1 - tokens) / self.rate)
        self.buckets[key] = _Bucket(tokens, now)
        while len(self.buckets) > self.max_keys:
            self.buckets.popitem(last=False)
        return decision

    def _evict_idle(self, now: float) -> None:
        while self.buckets:
            oldest = next(iter(self.buckets.values()))
            if now - oldest.updated < self.refill_seconds:
                return
            self.buckets.popitem(last=False)


class FallbackRateLimiter:
    """Redis while it answers; the local limiter while it does not, trying Redis again at most
    once per `retry_interval` seconds so a dead Redis costs one timeout per interval, not one
    per request."""

    def __init__(
        self,
        redis: RateLimiter,
        local: LocalRateLimiter,
        *,
        retry_interval: float = 1.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.redis = redis
        self.local = local
        self.retry_interval = retry_interval
        self.clock = clock
        self.retry_at: float | None = None
        """None while Redis answers; else when to try it again."""

    @property
    def using_redis(self) -> bool:
        return self.retry_at is None

    async def take(self, key: str) -> Decision:
        now = self.clock()
        if self.retry_at is None or now >= self.retry_at:
            try:
                decision = await self.redis.take(key)
            except RateLimiterUnavailable as error:
                if self.retry_at is None:
                    LOG.warning("Rate limiting locally, Redis is unavailable: %s", error)
                self.retry_at = now + self.retry_interval
            else:
                if self.retry_at is not None:
                    LOG.warning("Rate limiting through Redis again")
                self.retry_at = None
                return decision
        return await self.local.take(key)
