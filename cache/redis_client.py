"""redis-py's asyncio client, one server or a Cluster, built from a URL. The one module of the
cache that imports redis-py at load (with `redis_rate_limit`): loaded only where Redis is
configured."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

RedisClient = Redis | RedisCluster
EXPECTED_ERRORS = (RedisError, OSError, TimeoutError)
"""What an unreachable, restarting or slow Redis raises; anything else is logged as a bug."""

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


def is_cluster(client: RedisClient) -> bool:
    return isinstance(client, RedisCluster)


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
