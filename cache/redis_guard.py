"""One Redis client (single server or Cluster) behind a tight timeout and a circuit breaker.

Every call goes through `GuardedRedis.run`: errors and timeouts are counted and logged, never
raised; while the breaker is open no call is made at all. Shared by every Redis user (variant
tier, sources tier, purge index, locks) so they trip and recover together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from cache.breaker import BreakerState, CircuitBreaker

logger = logging.getLogger("imgproxy.cache.redis")

RedisClient = Redis | RedisCluster
T = TypeVar("T")
D = TypeVar("D")

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
PLAIN_SCHEMES = {"redis", "rediss", "unix"}


def parse_redis_url(url: str) -> tuple[bool, str]:
    """(is_cluster, the URL for redis-py). `redis+cluster://h:p` and `rediss+cluster://h:p` mean
    a Cluster reached through that seed node; `redis://`, `rediss://`, `unix://` one server."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in CLUSTER_SCHEMES:
        return True, urlunsplit(parts._replace(scheme=CLUSTER_SCHEMES[scheme]))
    if scheme in PLAIN_SCHEMES:
        return False, url
    expected = ", ".join(sorted([*CLUSTER_SCHEMES, *PLAIN_SCHEMES]))
    raise ValueError(f"Expected a Redis URL scheme ({expected}) but received '{parts.scheme}'")


def client_from_url(
    url: str, *, connect_timeout: float = 0.5, socket_timeout: float = 1.0
) -> RedisClient:
    """A redis-py asyncio client; nothing connects until the first command."""
    cluster, client_url = parse_redis_url(url)
    options: dict[str, Any] = {
        "socket_connect_timeout": connect_timeout,
        "socket_timeout": socket_timeout,
        # One immediate retry survives a pooled connection broken by a Redis restart; more
        # would only spend the op timeout.
        "retry": Retry(NoBackoff(), 1),
    }
    if cluster:
        return RedisCluster.from_url(client_url, **options)
    return Redis.from_url(client_url, health_check_interval=15, **options)


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
        self.client = client
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
        client = client_from_url(
            url, connect_timeout=connect_timeout, socket_timeout=max(admin_timeout, 1.0)
        )
        return cls(client, op_timeout=op_timeout, admin_timeout=admin_timeout, breaker=breaker)

    @property
    def is_cluster(self) -> bool:
        return isinstance(self.client, RedisCluster)

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
            if not isinstance(error, RedisError | OSError | TimeoutError):
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
