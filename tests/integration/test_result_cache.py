"""The result cache tiers inside the real server, with real Redis and a real origin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.cache.redis_procs import RedisProcess
from tests.support import OriginLog, running_origin, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
TOKEN = "purge-secret"
ATTEMPTS = 200


def statuses(responses: list[httpx.Response]) -> list[str]:
    return [response.headers["x-cache"] for response in responses]


def eventually(check: Callable[[], bool]) -> None:
    """Wait on an asynchronous effect (pub/sub delivery, breaker cool-down), bounded."""
    for _ in range(ATTEMPTS):
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("the expected state was not reached")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path / "redis").start()
    yield server
    server.stop()


def proxy_env(redis: RedisProcess | None, **extra: str) -> dict[str, str]:
    env = {
        "IMGPROXY_REDIS_TIMEOUT": "1",
        "IMGPROXY_REDIS_BREAKER_RESET": "0.2",
        "IMGPROXY_ADMIN_TOKEN": TOKEN,
        **extra,
    }
    if redis is not None:
        env["IMGPROXY_REDIS_URL"] = redis.url
    return env


@pytest.fixture
def two_proxies(redis: RedisProcess) -> Iterator[tuple[httpx.Client, httpx.Client, str, OriginLog]]:
    with ExitStack() as stack:
        origin, log = stack.enter_context(running_origin())
        clients = [
            stack.enter_context(
                httpx.Client(
                    base_url=stack.enter_context(running_proxy(proxy_env(redis))), timeout=30
                )
            )
            for _ in range(2)
        ]
        yield clients[0], clients[1], f"/_/w:40/plain/{origin}/files/{PHOTO}", log


def fetches(log: OriginLog) -> int:
    return sum(1 for path in log.paths if path.startswith("/files/"))


def test_l1_hit_needs_no_redis(origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    before = fetches(log)
    path = f"/_/w:41/plain/{base}/files/{PHOTO}"
    with running_proxy(proxy_env(None)) as proxy, httpx.Client(base_url=proxy) as client:
        first, second = client.get(path), client.get(path)
    assert statuses([first, second]) == ["MISS", "HIT"]
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert int(second.headers["age"]) >= 0
    assert fetches(log) - before == 1


def test_l2_hit_after_l1_eviction(redis: RedisProcess, origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    before = fetches(log)
    path = f"/_/w:42/plain/{base}/files/{PHOTO}"
    env = proxy_env(redis, IMGPROXY_CACHE_MEMORY_BYTES="1")  # nothing fits in L1
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy) as client:
        assert statuses([client.get(path), client.get(path)]) == ["MISS", "HIT"]
    assert fetches(log) - before == 1


def test_second_instance_sees_l2(
    two_proxies: tuple[httpx.Client, httpx.Client, str, OriginLog],
) -> None:
    first, second, path, log = two_proxies
    assert first.get(path).headers["x-cache"] == "MISS"
    assert second.get(path).headers["x-cache"] == "HIT"
    assert fetches(log) == 1


async def burst(base: str, paths: list[str]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        return list(await asyncio.gather(*(client.get(path) for path in paths)))


def test_hundred_identical_requests_process_once(origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    before = fetches(log)
    path = f"/_/w:43/plain/{base}/files/{PHOTO}"
    with running_proxy(proxy_env(None)) as proxy:
        responses = asyncio.run(burst(proxy, [path] * 100))
    assert {response.status_code for response in responses} == {200}
    assert statuses(responses).count("MISS") == 1
    assert fetches(log) - before == 1


def test_two_instances_process_once(
    two_proxies: tuple[httpx.Client, httpx.Client, str, OriginLog],
) -> None:
    first, second, path, log = two_proxies

    async def both() -> list[httpx.Response]:
        results = await asyncio.gather(
            burst(str(first.base_url), [path] * 10), burst(str(second.base_url), [path] * 10)
        )
        return [*results[0], *results[1]]

    responses = asyncio.run(both())
    assert {response.status_code for response in responses} == {200}
    assert statuses(responses).count("MISS") == 1
    assert fetches(log) == 1


def test_redis_down_never_fails_a_request(
    two_proxies: tuple[httpx.Client, httpx.Client, str, OriginLog], redis: RedisProcess
) -> None:
    first, second, path, _ = two_proxies
    assert first.get(path).status_code == 200
    redis.stop()
    widths = range(50, 60)
    for width in widths:
        response = first.get(path.replace("w:40", f"w:{width}"))
        assert (response.status_code, response.headers["x-cache"]) == (200, "MISS")
    assert first.get(path).headers["x-cache"] == "HIT"  # L1 still serves
    redis.start()
    fresh = path.replace("w:40", "w:60")
    first.get(fresh)
    eventually(lambda: second.get(fresh).headers["x-cache"] == "HIT")


def test_stale_copy_served_when_the_origin_dies(redis: RedisProcess) -> None:
    env = proxy_env(redis, IMGPROXY_CACHE_TTL="0", IMGPROXY_SOURCES_CACHE_TTL="0")
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        with running_origin() as (origin, _):
            path = f"/_/w:44/plain/{origin}/files/{PHOTO}"
            assert client.get(path).headers["x-cache"] == "MISS"
            assert client.get(path).headers["x-cache"] == "MISS"  # never fresh with TTL 0
        stale = client.get(path)
        assert (stale.status_code, stale.headers["x-cache"]) == (200, "STALE")
        assert stale.headers["warning"] == '110 - "Response is Stale"'
        assert int(stale.headers["age"]) >= 0
        gone = client.get(path.replace("w:44", "w:45"))
        assert gone.status_code == 502


def test_purge_removes_variants_on_both_instances(
    two_proxies: tuple[httpx.Client, httpx.Client, str, OriginLog],
) -> None:
    first, second, path, _ = two_proxies
    source = path.split("/plain/", 1)[1]
    other = path.replace("w:40", "w:30")
    for client in (first, second):
        client.get(path)
        client.get(other)
    assert statuses([second.get(path), second.get(other)]) == ["HIT", "HIT"]
    refused = first.post("/_admin/purge", json={"source": source})
    assert refused.status_code == 403
    purged = first.post(
        "/_admin/purge", json={"source": source}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert purged.status_code == 200
    assert purged.json()["purged"] == 2
    assert purged.json()["surrogate_key"] == first.get(path).headers["surrogate-key"]
    eventually(lambda: second.get(other).headers["x-cache"] != "HIT")
