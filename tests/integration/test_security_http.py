"""Hostile URLs and clients against the real server: refused with the right status, and the
origin (counting its hits) never reached. Every address here is loopback: the connect guard
in tests/guard.py fails any test that tries anything else."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imgproxy.security.encryption import encode_encrypted
from imgproxy.signing import sign
from tests.cache.redis_procs import RedisProcess
from tests.support import OriginLog, running_origin, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
KEY, SALT = b"key", b"salt"
SIGNED = {"IMGPROXY_KEY": KEY.hex(), "IMGPROXY_SALT": SALT.hex()}
ENCRYPTION_KEY = bytes(range(32))


@pytest.fixture
def guarded_origin() -> Iterator[tuple[str, int, OriginLog]]:
    with running_origin() as (base, log):
        yield base, int(base.rsplit(":", 1)[1]), log


def hits(log: OriginLog) -> int:
    return len(log.paths)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
    ],
)
def test_loopback_sources_are_refused_by_default(
    guarded_origin: tuple[str, int, OriginLog], host: str
) -> None:
    _, port, log = guarded_origin
    env = {"IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "0"}
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        response = client.get(f"/_/w:10/plain/http://{host}:{port}/files/{PHOTO}")
    # An address httpx cannot even parse (octal) is a 400; every other spelling a 403.
    assert response.status_code == (400 if host == "0177.0.0.1" else 403), response.text
    assert hits(log) == 0


def test_redirect_to_cloud_metadata_is_refused(guarded_origin: tuple[str, int, OriginLog]) -> None:
    base, _, log = guarded_origin
    target = "http://169.254.169.254/latest/meta-data/"
    with running_proxy({}) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        response = client.get(f"/_/w:10/plain/{base}/status/302")
        assert response.status_code == 502  # a 302 without Location is a broken origin
        redirect = client.get(f"/_/w:10/plain/{base}/redirect-to/{target}")
    assert (redirect.status_code, redirect.text.strip()) == (403, "Source address is not allowed")
    assert not [path for path in log.paths if path.startswith("/latest")]


@pytest.mark.parametrize(
    "source",
    [
        "http://good.test%40{host}/files/p.jpg",
        "http://good.test.{host}/files/p.jpg",
        "http://{host}/?http://good.test/",
        "http://{host}/files/../files/p.jpg",
    ],
)
def test_allowed_sources_resist_tricks(
    guarded_origin: tuple[str, int, OriginLog], source: str
) -> None:
    base, _, log = guarded_origin
    host = base.removeprefix("http://")
    env = {"IMGPROXY_ALLOWED_SOURCES": "http://good.test/"}
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        response = client.get(f"/_/w:10/plain/{source.format(host=host)}")
    assert response.status_code == 403
    assert hits(log) == 0


def test_secret_header_guards_images_not_probes(guarded_origin: tuple[str, int, OriginLog]) -> None:
    base, _, _ = guarded_origin
    env = {"IMGPROXY_SECRET": "s3cr3t"}
    path = f"/_/w:10/plain/{base}/files/{PHOTO}"
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        assert client.get(path).status_code == 403
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get(path, headers={"Authorization": "Bearer s3cr3t"}).status_code == 200
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 200


def test_encrypted_sources_need_signatures(guarded_origin: tuple[str, int, OriginLog]) -> None:
    base, _, _ = guarded_origin
    encrypted = encode_encrypted(f"{base}/files/{PHOTO}", ENCRYPTION_KEY, "png")
    env = {"IMGPROXY_SOURCE_URL_ENCRYPTION_KEY": ENCRYPTION_KEY.hex()}
    with running_proxy({**env, **SIGNED}) as proxy, httpx.Client(base_url=proxy) as client:
        path = f"/w:10/{encrypted}"
        response = client.get(f"/{sign(path, KEY, SALT)}{path}")
        assert (response.status_code, response.headers["content-type"]) == (200, "image/png")
        tampered = path[:-8] + "AAAA" + path[-4:]
        assert client.get(f"/{sign(tampered, KEY, SALT)}{tampered}").status_code == 400
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy) as client:
        refused = client.get(f"/_/w:10/{encrypted}")
    assert (refused.status_code, refused.text.strip()) == (
        400,
        "Encrypted source URLs are not enabled",
    )


def test_overlong_urls_are_refused() -> None:
    with (
        running_proxy({"IMGPROXY_MAX_URL_LENGTH": "200"}) as proxy,
        httpx.Client(base_url=proxy) as client,
    ):
        response = client.get("/_/w:10/plain/http://example.test/" + "a" * 300)
    assert (response.status_code, response.text.strip()) == (414, "URL too long")


def test_rate_limit_applies_to_misses_not_hits(guarded_origin: tuple[str, int, OriginLog]) -> None:
    base, _, _ = guarded_origin
    env = {"IMGPROXY_RATE_LIMIT": "0.001", "IMGPROXY_RATE_LIMIT_BURST": "2"}
    with running_proxy(env) as proxy, httpx.Client(base_url=proxy, timeout=30) as client:
        first = f"/_/w:10/plain/{base}/files/{PHOTO}"
        assert client.get(first).status_code == 200
        assert client.get(first.replace("w:10", "w:11")).status_code == 200
        limited = client.get(first.replace("w:10", "w:12"))
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get(first).headers["x-cache"] == "HIT"


def test_replicas_share_one_budget_through_redis(
    tmp_path: Path, guarded_origin: tuple[str, int, OriginLog]
) -> None:
    base, _, _ = guarded_origin
    redis = RedisProcess(tmp_path / "redis").start()
    env = {
        "IMGPROXY_RATE_LIMIT": "0.001",
        "IMGPROXY_RATE_LIMIT_BURST": "3",
        "IMGPROXY_REDIS_URL": redis.url,
        "IMGPROXY_REDIS_TIMEOUT": "1",
    }
    try:
        with running_proxy(env) as one, running_proxy(env) as two:

            async def spend() -> list[int]:
                codes = []
                for index, proxy in enumerate([one, two, one, two, one]):
                    async with httpx.AsyncClient(base_url=proxy, timeout=30) as client:
                        response = await client.get(f"/_/w:{20 + index}/plain/{base}/files/{PHOTO}")
                        codes.append(response.status_code)
                return codes

            assert asyncio.run(spend()) == [200, 200, 200, 429, 429]
    finally:
        redis.stop()
