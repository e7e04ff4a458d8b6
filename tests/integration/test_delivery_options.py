"""imgproxy Pro's delivery options through the real server, a real Redis and loopback origins:
`hashsum`, `fallback_image_url`, `bypass_cache` and `cache_tags` (headers, purge by tag)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
import pyvips

from cache.keys import source_key
from tests.cache.redis_procs import RedisProcess
from tests.support import CORPUS, OriginLog, running_origin, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"
FALLBACK = "png-rgb8-pngsuite.png"  # 32x32
SERVER_FALLBACK = "webp-lossy.webp"
TOKEN = "purge-secret"
PHOTO_MD5 = hashlib.md5((CORPUS / PHOTO).read_bytes()).hexdigest()
PHOTO_SHA256 = hashlib.sha256((CORPUS / PHOTO).read_bytes()).hexdigest()
WRONG_MD5 = "0" * 32


def b64(url: str) -> str:
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def decoded(response: httpx.Response) -> pyvips.Image:
    assert response.status_code in (200, 404), response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def same_pixels(one: pyvips.Image, other: pyvips.Image) -> bool:
    return (one.width, one.height) == (other.width, other.height) and (one - other).abs().max() == 0


def fetches(log: OriginLog, name: str) -> int:
    return sum(path.endswith(f"/{name}") for path in log.paths)


def metric(client: httpx.Client, series: str) -> float:
    """One sample of /metrics by its full series name; 0 before the series first appears."""
    for line in client.get("/metrics").text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == series:
            return float(value)
    return 0.0


@pytest.fixture(scope="module")
def origin() -> Iterator[tuple[str, OriginLog]]:
    with running_origin() as served:
        yield served


@pytest.fixture(scope="module")
def proxy(
    origin: tuple[str, OriginLog], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """Loopback sources allowed, `bypass_cache` allowed, results also in a real Redis."""
    redis = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    env = {
        "IMGPROXY_REDIS_URL": redis.url,
        "IMGPROXY_REDIS_TIMEOUT": "1",
        "IMGPROXY_ADMIN_TOKEN": TOKEN,
        "IMGPROXY_ALLOW_BYPASS_CACHE": "true",
        "IMGPROXY_FALLBACK_IMAGE_TTL": "120",
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
    }
    try:
        with ExitStack() as stack:
            base = stack.enter_context(running_proxy(env))
            yield stack.enter_context(httpx.Client(base_url=base, timeout=30))
    finally:
        redis.stop()


@pytest.fixture(scope="module")
def guarded_proxy() -> Iterator[httpx.Client]:
    """Production's address policy (no loopback sources), a server-wide fallback image
    answered with 404, fallback URLs rewritten like sources, Cloudflare's tag header only,
    `bypass_cache` not allowed."""
    data = base64.b64encode((CORPUS / SERVER_FALLBACK).read_bytes()).decode("ascii")
    env = {
        "IMGPROXY_ALLOW_LOOPBACK_SOURCE_ADDRESSES": "false",
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(CORPUS),
        "IMGPROXY_FALLBACK_IMAGE_DATA": data,
        "IMGPROXY_FALLBACK_IMAGE_HTTP_CODE": "404",
        "IMGPROXY_CACHE_TAGS_FORMAT": "cloudflare",
        "IMGPROXY_URL_REPLACEMENTS": "fallbacks:=local:///",
        "IMGPROXY_FALLBACK_IMAGE_PREPROCESS_URL": "true",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


# hashsum


def test_hashsum_is_checked_against_the_source_bytes(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    source = f"{origin[0]}/files/{PHOTO}"
    for options in (f"hs:md5:{PHOTO_MD5}", f"hashsum:sha256:{PHOTO_SHA256.upper()}", "hs:none"):
        response = proxy.get(f"/_/w:20/{options}/plain/{source}")
        assert (response.status_code, decoded(response).width) == (200, 20), options
    for options in (f"w:21/hs:md5:{WRONG_MD5}", f"raw:1/hs:md5:{WRONG_MD5}"):
        for _ in range(2):  # a mismatch is never stored
            refused = proxy.get(f"/_/{options}/plain/{source}")
            assert (refused.status_code, refused.text) == (422, "Source image hashsum mismatch\n")
            assert refused.headers["cache-control"] == "no-store"
    raw = proxy.get(f"/_/raw:1/hs:md5:{PHOTO_MD5}/plain/{source}")
    assert (raw.status_code, raw.content) == (200, (CORPUS / PHOTO).read_bytes())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            f"hs:crc32:{PHOTO_MD5}",
            "Expected one of none, md5, sha1, sha256, sha512 for hashsum type but received 'crc32'",
        ),
        ("hs:sha1:abc", "Expected 40 hex digits for sha1 hashsum but received 'abc'"),
    ],
)
def test_hashsum_refusals(proxy: httpx.Client, options: str, message: str) -> None:
    response = proxy.get(f"/_/{options}/plain/local:///{PHOTO}")
    assert (response.status_code, response.text) == (400, message + "\n")


def test_a_hashsum_mismatch_is_not_answered_with_the_fallback(
    guarded_proxy: httpx.Client,
) -> None:
    response = guarded_proxy.get(f"/_/w:20/hs:md5:{WRONG_MD5}/plain/local:///{PHOTO}")
    assert (response.status_code, response.text) == (422, "Source image hashsum mismatch\n")
    assert guarded_proxy.get(f"/_/w:20/hs:md5:{PHOTO_MD5}/plain/local:///{PHOTO}").is_success


# fallback_image_url


def test_fallback_image_url_answers_a_failed_source(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, log = origin
    fiu = f"fiu:{b64(f'{base}/files/{FALLBACK}')}"
    fetched_before = fetches(log, FALLBACK)
    first = proxy.get(f"/_/rs:fill:20:10/{fiu}/plain/{base}/files/no-such.jpg@png")
    again = proxy.get(f"/_/rs:fill:20:10/{fiu}/plain/{base}/status/500@png")
    other_size = proxy.get(f"/_/rs:fill:16:8/{fiu}/plain/{base}/files/gone.jpg@png")
    for response in (first, again, other_size):
        assert response.status_code == 200
        assert response.headers["x-cache"] == "FALLBACK"
        assert response.headers["cache-control"] == "public, max-age=120"
        assert "etag" not in response.headers
    # The fallback's original is fetched like a source, once, and kept like one.
    assert fetches(log, FALLBACK) - fetched_before == 1
    direct = proxy.get(f"/_/rs:fill:20:10/plain/{base}/files/{FALLBACK}@png")
    assert same_pixels(decoded(first), decoded(direct))
    assert same_pixels(decoded(again), decoded(direct))
    assert (decoded(other_size).width, decoded(other_size).height) == (16, 8)
    working = proxy.get(f"/_/rs:fill:20:10/{fiu}/plain/{base}/files/{PHOTO}@png")
    assert working.headers["x-cache"] == "MISS"
    assert not same_pixels(decoded(working), decoded(direct))


def test_a_failing_fallback_url_leaves_the_source_error(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, _ = origin
    for fallback in (f"{base}/files/also-missing.png", f"{base}/status/500"):
        response = proxy.get(f"/_/w:20/fiu:{b64(fallback)}/plain/{base}/files/no-such.jpg")
        assert (response.status_code, response.text) == (404, "Source image not found\n")


def test_fallback_image_url_wins_over_the_server_image_with_its_status(
    guarded_proxy: httpx.Client,
) -> None:
    missing = "plain/local:///no-such.jpg@png"
    fiu = f"fiu:{b64(f'local:///{FALLBACK}')}"
    from_url = guarded_proxy.get(f"/_/rs:fill:20:10/{fiu}/{missing}")
    server_wide = guarded_proxy.get(f"/_/rs:fill:20:10/{missing}")
    assert (from_url.status_code, server_wide.status_code) == (404, 404)  # the HTTP_CODE
    assert from_url.headers["x-cache"] == server_wide.headers["x-cache"] == "FALLBACK"
    direct = guarded_proxy.get(f"/_/rs:fill:20:10/plain/local:///{FALLBACK}@png")
    assert same_pixels(decoded(from_url), decoded(direct))
    assert not same_pixels(decoded(server_wide), decoded(direct))


def test_fallback_urls_are_rewritten_only_with_preprocess_url(
    proxy: httpx.Client, guarded_proxy: httpx.Client
) -> None:
    path = f"/_/rs:fill:20:10/fiu:{b64(f'fallbacks:{FALLBACK}')}/plain/local:///no-such.jpg@png"
    rewritten = guarded_proxy.get(path)
    direct = guarded_proxy.get(f"/_/rs:fill:20:10/plain/local:///{FALLBACK}@png")
    assert (rewritten.status_code, rewritten.headers["x-cache"]) == (404, "FALLBACK")
    assert same_pixels(decoded(rewritten), decoded(direct))
    as_written = proxy.get(path)  # `fallbacks:` is no scheme this server fetches
    assert (as_written.status_code, as_written.text) == (
        403,
        "Source scheme 'fallbacks' is not enabled\n",
    )


def test_a_fallback_url_the_address_policy_refuses_is_a_403_without_a_fetch(
    guarded_proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    """The source fails (a missing local file), the fallback URL is on loopback, which this
    server's policy refuses: the refusal is the answer (not the server's fallback image), and
    the loopback origin never sees a request."""
    base, log = origin
    seen_before = len(log.paths)
    refusals = 'imgproxy_origin_errors_total{kind="not_allowed"}'
    refused_before = metric(guarded_proxy, refusals)
    fiu = f"fiu:{b64(f'{base}/files/{FALLBACK}')}"
    response = guarded_proxy.get(f"/_/w:20/{fiu}/plain/local:///no-such.jpg")
    assert (response.status_code, response.text) == (403, "Source address is not allowed\n")
    assert len(log.paths) == seen_before
    assert metric(guarded_proxy, refusals) - refused_before == 1


# bypass_cache


def test_bypass_cache_skips_the_result_and_sources_caches(
    proxy: httpx.Client, origin: tuple[str, OriginLog]
) -> None:
    base, log = origin
    name = "webp-lossy.webp"
    path = f"/_/w:33/plain/{base}/files/{name}"
    bypassed = f"/_/w:33/bc:1/plain/{base}/files/{name}"
    before = fetches(log, name)
    answers = [proxy.get(bypassed), proxy.get(bypassed)]
    assert [answer.headers["x-cache"] for answer in answers] == ["BYPASS", "BYPASS"]
    assert fetches(log, name) - before == 2  # the origin each time
    stored = proxy.get(path)
    assert stored.headers["x-cache"] == "MISS"  # nothing was written by the bypasses
    assert fetches(log, name) - before == 3
    assert proxy.get(path).headers["x-cache"] == "HIT"
    once_more = proxy.get(bypassed)
    assert once_more.headers["x-cache"] == "BYPASS"  # nor read
    assert fetches(log, name) - before == 4
    assert once_more.headers["etag"] == stored.headers["etag"] == answers[0].headers["etag"]
    assert once_more.content == stored.content
    info = [proxy.get(f"/info/_/bc:1/plain/local:///{PHOTO}") for _ in range(2)]
    assert [answer.headers["x-cache"] for answer in info] == ["BYPASS", "BYPASS"]


def test_bypass_cache_is_refused_unless_allowed(guarded_proxy: httpx.Client) -> None:
    for path in (f"/_/w:20/bc:1/plain/local:///{PHOTO}", f"/info/_/bc:1/plain/local:///{PHOTO}"):
        response = guarded_proxy.get(path)
        assert (response.status_code, response.text) == (
            403,
            "Option bypass_cache is not allowed\n",
        ), path


# cache_tags


def test_cache_tags_in_every_tag_header_and_purged_by_tag(proxy: httpx.Client) -> None:
    tagged = f"/_/w:25/ct:products:Home/plain/local:///{PHOTO}"
    untagged = f"/_/w:26/plain/local:///{PHOTO}"
    key = source_key(f"local:///{PHOTO}")
    first = proxy.get(tagged)
    assert first.headers["surrogate-key"] == f"{key} products Home"
    assert first.headers["cache-tag"] == first.headers["x-amz-meta-cache-tag"]
    assert first.headers["cache-tag"] == f"{key},products,Home"
    assert proxy.get(untagged).headers["cache-tag"] == key
    assert [proxy.get(path).headers["x-cache"] for path in (tagged, untagged)] == ["HIT", "HIT"]
    purged = proxy.post(
        "/_admin/purge", json={"tag": "home"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert purged.status_code == 200
    assert purged.json() == {"tag": "home", "surrogate_key": "home", "purged": 1}
    assert [proxy.get(path).headers["x-cache"] for path in (tagged, untagged)] == ["MISS", "HIT"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"tag": "a,b"}',
            "Expected 1..256 visible ASCII characters without commas for purge but received 'a,b'",
        ),
        (
            b'{"tag": "a", "source": "b"}',
            'Expected a JSON body {"source": "<source URL>"} or {"tag": "<cache tag>"}',
        ),
        (b"[]", 'Expected a JSON body {"source": "<source URL>"} or {"tag": "<cache tag>"}'),
    ],
)
def test_purge_refusals(proxy: httpx.Client, body: bytes, message: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = proxy.post("/_admin/purge", content=body, headers=headers)
    assert (response.status_code, response.text) == (400, message + "\n")


def test_cache_tags_format_picks_the_headers(guarded_proxy: httpx.Client) -> None:
    response = guarded_proxy.get(f"/_/w:20/ct:a:b/plain/local:///{PHOTO}")
    key = source_key(f"local:///{PHOTO}")
    assert response.headers["surrogate-key"] == f"{key} a b"
    assert response.headers["cache-tag"] == f"{key},a,b"
    assert "x-amz-meta-cache-tag" not in response.headers
    info = guarded_proxy.get(f"/info/_/ct:a/plain/local:///{PHOTO}")
    assert (info.headers["cache-tag"], info.headers["surrogate-key"]) == (f"{key},a", f"{key} a")
    assert "x-amz-meta-cache-tag" not in info.headers


def test_a_fallback_for_format_best_follows_accept(origin: tuple[str, OriginLog]) -> None:
    """The fallback answered for `best` is kept per Accept class, as the result would be: a
    client that takes no AVIF never gets the one rendered for a client that does."""
    base, _ = origin
    env = {
        "IMGPROXY_AUTO_AVIF": "true",
        "IMGPROXY_AUTO_WEBP": "true",
        "IMGPROXY_FALLBACK_IMAGE_TTL": "120",
    }
    fiu = f"fiu:{b64(f'{base}/files/{FALLBACK}')}"
    path = f"/_/rs:fill:20:10/{fiu}/plain/{base}/files/no-such.jpg@best"
    with running_proxy(env) as proxy_base, httpx.Client(base_url=proxy_base) as client:
        modern = client.get(path, headers={"Accept": "image/avif,image/webp,*/*"})
        plain = client.get(path, headers={"Accept": "*/*"})
    assert (modern.headers["x-cache"], plain.headers["x-cache"]) == ("FALLBACK", "FALLBACK")
    assert modern.headers["content-type"] in ("image/avif", "image/webp")
    assert plain.headers["content-type"] in ("image/jpeg", "image/png", "image/gif")
