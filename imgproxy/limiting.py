"""The per-client rate limiter built from the settings: in memory, or shared through Redis."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.types import Scope

from config.settings import Settings
from imgproxy.security.client_key import client_key
from imgproxy.security.rate_limit import FallbackRateLimiter, LocalRateLimiter, RateLimiter

if TYPE_CHECKING:
    from cache.redis_client import RedisClient


class ClientLimiter:
    """Token buckets per client (X-Forwarded-For only from IMGPROXY_TRUSTED_PROXIES): every
    request with IMGPROXY_RATE_LIMIT_ALL, else only work that reaches the origin."""

    def __init__(
        self,
        settings: Settings,
        on_refusal: Callable[[], None] = lambda: None,
        redis: RedisClient | None = None,
    ) -> None:
        """`redis`: the client the caches use (its owner closes it), when IMGPROXY_REDIS_URL
        is set; the buckets are shared through it."""
        self.on_refusal = on_refusal
        self.trusted = tuple(
            ipaddress.ip_network(net, strict=False) for net in settings.trusted_proxies
        )
        self.applies_to_all = settings.rate_limit_all
        self.limiter: RateLimiter | None = None
        if settings.rate_limit <= 0:
            return
        local = LocalRateLimiter(settings.rate_limit, settings.rate_limit_burst)
        self.limiter = local
        if redis is not None:
            from imgproxy.security.redis_rate_limit import (  # noqa: PLC0415 - with Redis only
                RedisRateLimiter,
            )

            shared = RedisRateLimiter(
                redis,  # type: ignore[arg-type]  # a cluster runs the same one-key script
                settings.rate_limit,
                settings.rate_limit_burst,
                timeout=settings.redis_timeout,
            )
            self.limiter = FallbackRateLimiter(shared, local)

    def key(self, scope: Scope) -> str:
        return client_key(scope, self.trusted)

    async def limit_every_request(self, scope: Scope) -> None:
        """At the door of every image route, with IMGPROXY_RATE_LIMIT_ALL."""
        if self.applies_to_all:
            await self.take(self.key(scope))

    async def limit_origin_work(self, client: str) -> None:
        """Before a miss reaches the origin, without IMGPROXY_RATE_LIMIT_ALL."""
        if not self.applies_to_all:
            await self.take(client)

    async def take(self, key: str) -> None:
        """Raise TooManyRequests (429 with Retry-After) when the client's bucket is empty."""
        if self.limiter is None:
            return
        decision = await self.limiter.take(key)
        if not decision.allowed:
            self.on_refusal()
        decision.raise_if_refused(key)
