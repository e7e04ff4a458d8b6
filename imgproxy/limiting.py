"""The per-client rate limiter built from the settings: in memory, or shared through Redis."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from starlette.types import Scope

from cache.redis_guard import parse_redis_url
from config.settings import Settings
from imgproxy.security.client_key import client_key
from imgproxy.security.rate_limit import (
    FallbackRateLimiter,
    LocalRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)


class ClientLimiter:
    """Token buckets per client (X-Forwarded-For only from IMGPROXY_TRUSTED_PROXIES)."""

    def __init__(self, settings: Settings, on_refusal: Callable[[], None] = lambda: None) -> None:
        self.on_refusal = on_refusal
        self.trusted = tuple(
            ipaddress.ip_network(net, strict=False) for net in settings.trusted_proxies
        )
        self.applies_to_all = settings.rate_limit_all
        self.redis: Redis | RedisCluster | None = None
        self.limiter: RateLimiter | None = None
        if settings.rate_limit <= 0:
            return
        local = LocalRateLimiter(settings.rate_limit, settings.rate_limit_burst)
        self.limiter = local
        if settings.redis_url:
            cluster, url = parse_redis_url(settings.redis_url)
            client = (
                RedisCluster.from_url(url, socket_timeout=settings.redis_timeout)
                if cluster
                else Redis.from_url(url, socket_timeout=settings.redis_timeout)
            )
            self.redis = client
            shared = RedisRateLimiter(
                client,  # type: ignore[arg-type]  # a cluster runs the same one-key script
                settings.rate_limit,
                settings.rate_limit_burst,
                timeout=settings.redis_timeout,
            )
            self.limiter = FallbackRateLimiter(shared, local)

    def key(self, scope: Scope) -> str:
        return client_key(scope, self.trusted)

    async def take(self, key: str) -> None:
        """Raise TooManyRequests (429 with Retry-After) when the client's bucket is empty."""
        if self.limiter is None:
            return
        decision = await self.limiter.take(key)
        if not decision.allowed:
            self.on_refusal()
        decision.raise_if_refused(key)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
