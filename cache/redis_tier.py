"""L2: results in Redis (one server or a Cluster), plus the per-source purge index and the
purge broadcast over pub/sub.

`get`/`set`/`delete` never raise: failures are a miss or a no-op (see `GuardedRedis`). `purge`
and `publish_purge` raise `RedisUnavailable` instead, so a purge never reports a success it
did not have.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import orjson

from cache.redis_guard import GuardedRedis, RedisUnavailable

if TYPE_CHECKING:
    from cache.redis_client import RedisClient

logger = logging.getLogger("imgproxy.cache.redis")

PurgeCallback = Callable[[list[str]], Awaitable[None] | None]
_FAILED = object()
UNKNOWN_TTL = 60.0
"""What `get_with_ttl` reports for a key Redis keeps without an expiry."""
PURGE_BATCH = 500


async def _call(callback: Callable[..., Awaitable[None] | None], *args: object) -> None:
    outcome = callback(*args)
    if inspect.isawaitable(outcome):
        await outcome


def _flag(on: asyncio.Event | None, off: asyncio.Event | None) -> None:
    if off is not None:
        off.clear()
    if on is not None:
        on.set()


class RedisTier:
    def __init__(
        self,
        redis: GuardedRedis,
        *,
        prefix: str = "imgproxy:v:",
        index_prefix: str = "imgproxy:i:",
        channel: str = "imgproxy:purge",
        timeout: float | None = None,
        bytes_per_second: float = 50e6,
        max_value_bytes: int | None = None,
    ) -> None:
        """`timeout` overrides the guard's op timeout for this tier's get/set/delete (a tier of
        large originals needs more); `set` adds `len(value) / bytes_per_second` to it. Values
        over `max_value_bytes` are not stored."""
        self.redis = redis
        self.prefix = prefix
        self.index_prefix = index_prefix
        self.channel = channel
        self.timeout = redis.op_timeout if timeout is None else timeout
        self.bytes_per_second = bytes_per_second
        self.max_value_bytes = max_value_bytes

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def get(self, key: str) -> bytes | None:
        value = await self.redis.run(
            "get", lambda c: c.get(self._key(key)), None, time_limit=self.timeout
        )
        return value if isinstance(value, bytes) else None

    async def get_with_ttl(self, key: str) -> tuple[bytes, float] | None:
        async def call(client: RedisClient) -> list[object]:
            pipe = client.pipeline(transaction=False)
            pipe.get(self._key(key))
            pipe.pttl(self._key(key))
            return list(await pipe.execute())

        answer = await self.redis.run("get", call, None, time_limit=self.timeout)
        if answer is None or not isinstance(answer[0], bytes):
            return None
        ttl_ms = answer[1]
        ttl = ttl_ms / 1000 if isinstance(ttl_ms, int) and ttl_ms > 0 else UNKNOWN_TTL
        return answer[0], ttl

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        ttl_ms = int(ttl * 1000)
        if ttl_ms <= 0 or (self.max_value_bytes is not None and len(value) > self.max_value_bytes):
            return
        timeout = self.timeout + len(value) / self.bytes_per_second
        await self.redis.run(
            "set", lambda c: c.set(self._key(key), value, px=ttl_ms), None, time_limit=timeout
        )

    async def delete(self, key: str) -> None:
        await self.redis.run(
            "delete", lambda c: c.delete(self._key(key)), None, time_limit=self.timeout
        )

    # Purge: a Redis set per source lists its variant keys.

    async def index(self, source_key: str, variant_key: str, ttl: float) -> None:
        """Remember that `variant_key` was made from `source_key` (kept `ttl` seconds: pass the
        variant's storage TTL)."""
        name = self.index_prefix + source_key
        seconds = max(1, int(ttl + 0.999))

        async def call(client: RedisClient) -> None:
            pipe = client.pipeline(transaction=False)
            pipe.sadd(name, variant_key)
            pipe.expire(name, seconds)
            await pipe.execute()

        await self.redis.run("index", call, None)

    async def purge(self, source_key: str) -> list[str]:
        """Delete every indexed variant of a source and the index; returns the variant keys.
        Raises `RedisUnavailable` when Redis cannot be reached."""
        name = self.index_prefix + source_key

        async def call(client: RedisClient) -> list[str]:
            members = await client.smembers(name)
            keys = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
            for start in range(0, len(keys), PURGE_BATCH):
                await client.delete(*[self._key(k) for k in keys[start : start + PURGE_BATCH]])
            await client.delete(name)
            return keys

        keys = await self.redis.run("purge", call, _FAILED, time_limit=self.redis.admin_timeout)
        if not isinstance(keys, list):
            raise RedisUnavailable("Redis did not answer; nothing was purged")
        return keys

    async def publish_purge(self, keys: list[str]) -> int:
        """Tell every replica (`listen_purges`) to drop `keys` from L1; returns how many
        subscribers Redis delivered to. Raises `RedisUnavailable` when Redis cannot be reached."""
        message = orjson.dumps(keys)
        receivers = await self.redis.run(
            "publish",
            lambda c: c.publish(self.channel, message),
            _FAILED,
            time_limit=self.redis.admin_timeout,
        )
        if not isinstance(receivers, int):
            raise RedisUnavailable("Redis did not answer; the purge was not broadcast")
        return receivers

    async def listen_purges(
        self,
        callback: PurgeCallback,
        *,
        subscribed: asyncio.Event | None = None,
        lost: asyncio.Event | None = None,
        on_reconnect: Callable[[], Awaitable[None] | None] | None = None,
        max_backoff: float = 5.0,
    ) -> None:
        """Run until cancelled: call `callback(keys)` for every purge any replica publishes.

        `subscribed` is set while subscribed, `lost` while a lost subscription is being retried
        (with capped backoff, independent of the breaker); `on_reconnect` runs once it is back:
        purges sent meanwhile were missed, so clearing L1 there is the safe answer.
        """
        backoff, was_lost = 0.05, False
        while True:
            client = self.redis.client
            pubsub = client.pubsub()
            try:
                if self.redis.is_cluster:
                    await client.initialize()  # the channel's node comes from the slots map
                await pubsub.subscribe(self.channel)
                _flag(subscribed, lost)
                if was_lost and on_reconnect is not None:
                    await _call(on_reconnect)
                backoff, was_lost = 0.05, False
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        await self._deliver(message.get("data"), callback)
            except Exception as error:
                logger.debug("Purge subscription lost: %r", error)
                was_lost = True
                _flag(lost, subscribed)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)

    async def _deliver(self, data: object, callback: PurgeCallback) -> None:
        try:
            keys = orjson.loads(data) if isinstance(data, bytes | str) else None
        except orjson.JSONDecodeError:
            keys = None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            logger.warning("Ignoring a malformed purge message: %r", data)
            return
        try:
            await _call(callback, keys)
        except Exception:
            logger.exception("Purge callback failed for %d keys", len(keys))
