"""Token buckets in Redis, shared by every replica (see `rate_limit` for the rest)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from cache.redis_client import EXPECTED_ERRORS
from imgproxy.security.rate_limit import (
    Clock,
    Decision,
    RateLimiterUnavailable,
    check_numbers,
    refused,
)

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
        check_numbers(rate, burst)
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
        except EXPECTED_ERRORS as error:
            raise RateLimiterUnavailable(f"Redis rate limiter: {error!r}") from error
        return self._decision(reply)

    @staticmethod
    def _decision(reply: Any) -> Decision:
        if not (isinstance(reply, list) and len(reply) == 2):
            raise RateLimiterUnavailable(f"Redis rate limiter: unexpected reply {reply!r}")
        allowed, wait_ms = int(reply[0]), int(reply[1])
        return Decision(True) if allowed else refused(wait_ms / 1000)
