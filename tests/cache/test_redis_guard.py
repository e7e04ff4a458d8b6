"""Which client a guarded call goes through: calls the time limit bounds more tightly than the
socket timeout take the client without one."""

from __future__ import annotations

from redis.asyncio import Redis

from cache.redis_guard import RedisClient
from tests.cache.redis_procs import guarded


async def test_calls_within_the_socket_timeout_use_the_client_without_one(redis_url: str) -> None:
    async with guarded(redis_url, op_timeout=0.5, admin_timeout=2.0) as redis:
        used: list[RedisClient] = []

        async def call(client: RedisClient) -> bool:
            used.append(client)
            return bool(await client.ping())

        assert await redis.run("ping", call, False) is True
        assert await redis.run("ping", call, False, time_limit=2.0) is True
        assert await redis.run("ping", call, False, time_limit=5.0) is True
        assert used == [redis.bounded, redis.bounded, redis.client]
        assert isinstance(redis.bounded, Redis) and isinstance(redis.client, Redis)
        assert redis.bounded is not redis.client
        assert redis.bounded.connection_pool.connection_kwargs["socket_timeout"] is None
        assert redis.client.connection_pool.connection_kwargs["socket_timeout"] == 2.0
