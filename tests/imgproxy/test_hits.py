"""The cache hit's own way through the server (`imgproxy.hits.CachedHits`): the same answer as
the image route gives, without reaching the route, and no result tier asked twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imgproxy.endpoints import Endpoints
from tests.cache.redis_procs import RedisProcess, cli
from tests.support import OriginLog, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
PER_RESPONSE = frozenset({"x-cache", "age", "x-request-id", "date", "server", "server-timing"})


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths that reached the image route."""
    seen: list[str] = []
    serve = Endpoints.serve_image

    async def counted(self: Endpoints, request: object) -> object:
        seen.append(request.url.path)  # type: ignore[attr-defined]
        return await serve(self, request)  # type: ignore[arg-type]

    monkeypatch.setattr(Endpoints, "serve_image", counted)
    return seen


def stable(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_RESPONSE}


def test_a_hit_is_answered_before_the_route_with_the_routes_headers(
    origin: tuple[str, OriginLog], routed: list[str]
) -> None:
    base, _ = origin
    path = f"/_/w:42/plain/{base}/files/{PHOTO}"
    with running_proxy({}) as proxy, httpx.Client(base_url=proxy) as client:
        miss, hit = client.get(path), client.get(path)
        head = client.head(path)
    assert [miss.headers["x-cache"], hit.headers["x-cache"]] == ["MISS", "HIT"]
    assert routed == [path]
    assert hit.content == miss.content
    assert stable(hit) == stable(miss)
    assert head.content == b"" and stable(head) == stable(miss)


def test_a_conditional_hit_is_a_304_without_the_route(
    origin: tuple[str, OriginLog], routed: list[str]
) -> None:
    base, _ = origin
    path = f"/_/w:43/plain/{base}/files/{PHOTO}"
    with running_proxy({}) as proxy, httpx.Client(base_url=proxy) as client:
        etag = client.get(path).headers["etag"]
        again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert "content-type" not in again.headers and again.headers["etag"] == etag
    assert routed == [path]


def test_with_every_request_rate_limited_hits_take_the_route(
    origin: tuple[str, OriginLog], routed: list[str]
) -> None:
    base, _ = origin
    path = f"/_/w:44/plain/{base}/files/{PHOTO}"
    env = {"IMGPROXY_RATE_LIMIT_ALL": "true", "IMGPROXY_RATE_LIMIT": "1000"}
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy) as client:
        statuses = [client.get(path).headers["x-cache"] for _ in range(2)]
    assert statuses == ["MISS", "HIT"]
    assert routed == [path, path]


def test_other_routes_are_left_to_the_router(routed: list[str]) -> None:
    with running_proxy({}) as proxy, httpx.Client(base_url=proxy) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/_/nonsense:1/plain/x").status_code == 400
    assert routed == ["/_/nonsense:1/plain/x"]


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path / "redis").start()
    yield server
    server.stop()


def calls(redis: RedisProcess, command: str = "get") -> int:
    stats = cli(redis.port, "INFO", "commandstats")
    found = (line for line in stats.splitlines() if line.startswith(f"cmdstat_{command}:"))
    line = next(found, "")
    return int(line.split("calls=")[1].split(",")[0]) if line else 0


def redis_gets_of_a_miss(redis: RedisProcess, path: str, env: dict[str, str]) -> int:
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy) as client:
        before = calls(redis)
        assert client.get(path).headers["x-cache"] == "MISS"
        return calls(redis) - before


def test_a_miss_asks_redis_no_more_than_without_the_hit_path(
    origin: tuple[str, OriginLog], redis: RedisProcess, routed: list[str]
) -> None:
    base, _ = origin
    env = {"IMGPROXY_REDIS_URL": redis.url}
    routed_only = {**env, "IMGPROXY_RATE_LIMIT_ALL": "true", "IMGPROXY_RATE_LIMIT": "1000"}
    first, second = (f"/_/w:{width}/plain/{base}/files/{PHOTO}" for width in (45, 46))
    assert redis_gets_of_a_miss(redis, first, env) == redis_gets_of_a_miss(
        redis, second, routed_only
    )
    routed.clear()
    with running_proxy(env) as other, httpx.Client(base_url=other) as client:
        before = calls(redis), calls(redis, "pttl")
        hit = client.get(first)
        assert hit.headers["x-cache"] == "HIT"
        assert calls(redis) - before[0] == 1, "an L2 hit is one GET"
        assert calls(redis, "pttl") == before[1], "a record carries its own expiry"
    assert routed == []
