"""Token-bucket rate limiting per client key: local, shared through Redis, and the fallback
that keeps limiting locally while Redis is unreachable.

A bucket holds at most `burst` tokens and refills at `rate` tokens per second; a request takes
one token or is refused with the whole seconds until one is back (`retry_after`, at least 1).
`FallbackRateLimiter` never fails open (no limit) nor closed (everyone refused): while Redis
errors or times out every replica limits on its own buckets with the same numbers (so the
fleet-wide budget is at most replicas x rate until Redis answers again; give the local limiter
`rate / replicas` to keep the budget exact), and it tries Redis again every `retry_interval`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

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


def _check_numbers(rate: float, burst: int) -> None:
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
        _check_numbers(rate_per_second, burst)
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


# KEYS[1] bucket; ARGV rate (tokens/s), burst, now in ms (< 0: use the server's clock).
# Refill and take in one atomic step; returns {allowed 0/1, milliseconds until a token}.
TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now < 0 then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  ts = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait}
"""
TOKEN_BUCKET_SHA = hashlib.sha1(TOKEN_BUCKET.encode("utf-8")).hexdigest()


class RedisRateLimiter:
    """Buckets in Redis, shared by every replica. One atomic Lua script per request (EVALSHA,
    EVAL when the server does not have it cached, e.g. after a restart), every call bounded by
    `timeout`. Raises `RateLimiterUnavailable` when Redis errors or is late: wrap it in
    `FallbackRateLimiter`. Time is Redis's own clock unless `clock` is given (tests)."""

    def __init__(
        self,
        redis: Redis,
        rate: float,
        burst: int,
        prefix: str = "imgproxy:ratelimit:",
        *,
        timeout: float = 0.05,
        clock: Clock | None = None,
    ) -> None:
        _check_numbers(rate, burst)
        self.redis = redis
        self.rate = rate
        self.burst = burst
        self.prefix = prefix
        self.timeout = timeout
        self.clock = clock

    async def take(self, key: str) -> Decision:
        now = -1 if self.clock is None else int(self.clock() * 1000)
        name = f"{self.prefix}{key}"
        args = (repr(float(self.rate)), str(self.burst), str(now))
        try:
            async with asyncio.timeout(self.timeout):
                try:
                    reply = await self.redis.evalsha(TOKEN_BUCKET_SHA, 1, name, *args)
                except NoScriptError:
                    reply = await self.redis.eval(TOKEN_BUCKET, 1, name, *args)
        except (RedisError, OSError, TimeoutError) as error:
            raise RateLimiterUnavailable(f"Redis rate limiter: {error!r}") from error
        return self._decision(reply)

    @staticmethod
    def _decision(reply: Any) -> Decision:
        if not (isinstance(reply, list) and len(reply) == 2):
            raise RateLimiterUnavailable(f"Redis rate limiter: unexpected reply {reply!r}")
        allowed, wait_ms = int(reply[0]), int(reply[1])
        return Decision(True) if allowed else refused(wait_ms / 1000)


class FallbackRateLimiter:
    """Redis while it answers; the local limiter while it does not, trying Redis again at most
    once per `retry_interval` seconds so a dead Redis costs one timeout per interval, not one
    per request."""

    def __init__(
        self,
        redis: RedisRateLimiter,
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
