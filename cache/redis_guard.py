"""One Redis client (single server or Cluster) behind a tight timeout and a circuit breaker.

Every call goes through `GuardedRedis.run`: errors and timeouts are counted and logged, never
raised; while the breaker is open no call is made at all. Shared by every Redis user (variant
tier, sources tier, purge index, locks) so they trip and recover together.

redis-py itself (`cache.redis_client`) is loaded with the first client, so that a server
without Redis never loads it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from cache.breaker import BreakerState, CircuitBreaker

if TYPE_CHECKING:
    from cache.redis_client import RedisClient

logger = logging.getLogger("imgproxy.cache.redis")

T = TypeVar("T")
D = TypeVar("D")


@dataclass
class RedisStats:
    calls: int = 0
    failures: int = 0
    timeouts: int = 0
    skipped: int = 0
    """Calls not made because the breaker was open."""


class RedisUnavailable(RuntimeError):
    """Raised only by administrative calls (purge) that must not pretend to have worked."""


class GuardedRedis:
    def __init__(
        self,
        client: RedisClient,
        *,
        op_timeout: float = 0.05,
        admin_timeout: float = 2.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        from cache import redis_client  # noqa: PLC0415 - see the module docstring

        self.client = client
        self.is_cluster = redis_client.is_cluster(client)
        self.expected_errors = redis_client.EXPECTED_ERRORS
        self.op_timeout = op_timeout
        self.admin_timeout = admin_timeout
        self.breaker = breaker or CircuitBreaker()
        self.stats = RedisStats()
        self.on_failure: Callable[[], None] = lambda: None
        """Called on every failed call (for metrics)."""
        self.on_state: Callable[[BreakerState], None] = lambda state: None
        """Called when the breaker's state changes (for metrics)."""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        op_timeout: float = 0.05,
        admin_timeout: float = 2.0,
        breaker: CircuitBreaker | None = None,
        connect_timeout: float = 0.5,
    ) -> GuardedRedis:
        from cache.redis_client import client_from_url  # noqa: PLC0415 - see the docstring

        client = client_from_url(
            url, connect_timeout=connect_timeout, socket_timeout=max(admin_timeout, 1.0)
        )
        return cls(client, op_timeout=op_timeout, admin_timeout=admin_timeout, breaker=breaker)

    @property
    def available(self) -> bool:
        return self.breaker.state is not BreakerState.OPEN

    async def run(
        self,
        op: str,
        call: Callable[[RedisClient], Awaitable[T]],
        default: D,
        *,
        time_limit: float | None = None,
    ) -> T | D:
        """`call(client)` within `time_limit` (default: the op timeout), or `default` on any
        failure or while the breaker is open."""
        if not self.breaker.allow():
            self.stats.skipped += 1
            return default
        self.stats.calls += 1
        before = self.breaker.state
        try:
            async with asyncio.timeout(self.op_timeout if time_limit is None else time_limit):
                result = await call(self.client)
        except Exception as error:
            self.stats.failures += 1
            if isinstance(error, TimeoutError):
                self.stats.timeouts += 1
            self.breaker.record_failure()
            self.on_failure()
            if self.breaker.state is not before:
                self.on_state(self.breaker.state)
            if not isinstance(error, self.expected_errors):
                logger.exception("Unexpected error from Redis %s", op)
            elif self.breaker.state is BreakerState.OPEN and before is not BreakerState.OPEN:
                logger.warning("Redis unavailable, circuit opened (%s: %r)", op, error)
            else:
                logger.debug("Redis %s failed: %r", op, error)
            return default
        self.breaker.record_success()
        if before is not BreakerState.CLOSED:
            logger.warning("Redis is back, circuit closed")
            self.on_state(self.breaker.state)
        return result

    async def ping(self, time_limit: float | None = None) -> bool:
        """True when Redis answers (for readiness checks and start-up warm-up)."""
        answer = await self.run("ping", lambda c: c.ping(), False, time_limit=time_limit)
        return bool(answer)

    async def close(self) -> None:
        await self.client.aclose()
