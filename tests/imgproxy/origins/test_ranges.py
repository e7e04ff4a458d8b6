"""Ranged reads of the http, local and caching origins against a real loopback origin and a
real folder: a head leaves the body unread only when the origin serves ranges and `stops` asks;
spans are checked against what the origin claims to have sent."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from imgproxy.errors import OriginError, SourceNotAllowed, SourceTooLarge
from imgproxy.origins import Original
from imgproxy.origins.caching import CachingOrigin, OriginalsCache, OriginalsL1
from imgproxy.origins.curl import CurlOrigin
from imgproxy.origins.http import HttpOrigin
from imgproxy.origins.local import LocalOrigin
from imgproxy.origins.ranges import PREFIX_BYTES, Head, RangedOrigin
from imgproxy.security.addresses import AddressPolicy
from imgproxy.security.allowed_sources import AllowedSources
from tests.imgproxy.origins.ranged_server import Exchanges, ranged_origin

SIZE = 2 * 1024 * 1024
LOOPBACK_OK = AddressPolicy(allow_loopback=True)


def always(_first: bytes) -> bool:
    return True


def never(_first: bytes) -> bool:
    return False


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ranged")
    (folder / "blob.bin").write_bytes(random.Random(3).randbytes(SIZE))
    (folder / "small.bin").write_bytes(b"small" * 100)
    return folder


@pytest.fixture
def served(root: Path) -> Iterator[tuple[str, Exchanges]]:
    with ranged_origin(root) as (base, exchanges, _log):
        yield base, exchanges


@pytest.fixture(params=["httpx", "curl"])
def client(request: pytest.FixtureRequest) -> str:
    """Both http(s) origins (IMGPROXY_HTTP_CLIENT)."""
    return str(request.param)


@asynccontextmanager
async def http_origin(client: str, **options: object) -> AsyncIterator[RangedOrigin]:
    arguments: dict[str, object] = {
        "max_redirects": 2,
        "connect_timeout": 5.0,
        "read_timeout": 5.0,
        "user_agent": "test",
        "policy": LOOPBACK_OK,
        **options,
    }
    origin: RangedOrigin = (
        HttpOrigin(**arguments)  # type: ignore[arg-type]
        if client == "httpx"
        else CurlOrigin(**arguments)  # type: ignore[arg-type]
    )
    try:
        yield origin
    finally:
        await origin.close()


def blob(root: Path) -> bytes:
    return (root / "blob.bin").read_bytes()


async def test_a_head_leaves_the_body_unread_when_asked(
    client: str, served: tuple[str, Exchanges], root: Path
) -> None:
    base, exchanges = served
    async with http_origin(client) as origin:
        head = await origin.fetch_head(f"{base}/ranged/blob.bin", 0, always)
    assert isinstance(head, Head)
    assert head.size == SIZE
    assert len(head.original.data) >= PREFIX_BYTES
    assert head.original.data == blob(root)[: len(head.original.data)]
    assert head.original.etag == '"ranged-v1"'
    [exchange] = exchanges.of("blob.bin")
    assert exchange.range is None
    assert exchange.sent < SIZE // 2


async def test_a_head_not_stopped_is_the_whole_source_in_one_request(
    client: str, served: tuple[str, Exchanges], root: Path
) -> None:
    base, exchanges = served
    async with http_origin(client) as origin:
        whole = await origin.fetch_head(f"{base}/ranged/blob.bin", 0, never)
    assert isinstance(whole, Original)
    assert whole.data == blob(root)
    assert len(exchanges.of("blob.bin")) == 1


@pytest.mark.parametrize("name", ["small.bin", "blob.bin"])
async def test_an_origin_that_does_not_serve_ranges_is_read_whole(
    client: str, served: tuple[str, Exchanges], root: Path, name: str
) -> None:
    """Without `Accept-Ranges: bytes` (or a body that fits the prefix), `stops` is not asked."""
    base, exchanges = served
    mode = "ranged" if name == "small.bin" else "plain"
    asked: list[bytes] = []
    async with http_origin(client) as origin:
        whole = await origin.fetch_head(f"{base}/{mode}/{name}", 0, lambda f: bool(asked.append(f)))
    assert isinstance(whole, Original)
    assert whole.data == (root / name).read_bytes()
    assert asked == []
    assert len(exchanges.of(name)) == 1


async def test_a_head_is_refused_over_max_bytes(client: str, served: tuple[str, Exchanges]) -> None:
    base, _ = served
    async with http_origin(client) as origin:
        with pytest.raises(SourceTooLarge):
            await origin.fetch_head(f"{base}/ranged/blob.bin", SIZE - 1, always)


async def test_a_span_is_a_range_request(
    client: str, served: tuple[str, Exchanges], root: Path
) -> None:
    base, exchanges = served
    async with http_origin(client) as origin:
        span = await origin.fetch_range(f"{base}/ranged/blob.bin", 1000, 5000, 0)
        tail = await origin.fetch_range(f"{base}/ranged/blob.bin", SIZE - 10, SIZE + 100, 0)
    assert (span.start, span.size, span.validator) == (1000, SIZE, '"ranged-v1"')
    assert span.data == blob(root)[1000:5000]
    assert tail.data == blob(root)[-10:]
    ranges = [exchange.range for exchange in exchanges.of("blob.bin")]
    assert ranges == ["bytes=1000-4999", f"bytes={SIZE - 10}-{SIZE + 99}"]


async def test_an_origin_that_ignores_ranges_sends_the_whole_source_within_the_limit(
    client: str, served: tuple[str, Exchanges], root: Path
) -> None:
    base, _ = served
    async with http_origin(client) as origin:
        span = await origin.fetch_range(f"{base}/ignoring/blob.bin", 1000, 5000, SIZE)
        assert (span.start, span.size, span.data) == (0, SIZE, blob(root))
        with pytest.raises(SourceTooLarge):
            await origin.fetch_range(f"{base}/ignoring/blob.bin", 1000, 5000, SIZE - 1)


@pytest.mark.parametrize("mode", ["wrong", "long"])
async def test_a_span_unlike_the_range_asked_for_is_an_origin_error(
    client: str, served: tuple[str, Exchanges], mode: str
) -> None:
    base, _ = served
    async with http_origin(client) as origin:
        with pytest.raises(OriginError) as raised:
            await origin.fetch_range(f"{base}/{mode}/blob.bin", 1000, 5000, 0)
    assert raised.value.message == "Source answered a wrong range"
    assert raised.value.status == 502


async def test_ranged_requests_pass_the_source_and_address_checks(
    client: str,
    served: tuple[str, Exchanges],
) -> None:
    base, exchanges = served
    elsewhere = AllowedSources(("http://elsewhere.example/",))
    async with http_origin(client, allowed_sources=elsewhere) as origin:
        with pytest.raises(SourceNotAllowed):
            await origin.fetch_range(f"{base}/ranged/blob.bin", 0, 10, 0)
    async with http_origin(client, policy=AddressPolicy()) as origin:
        with pytest.raises(SourceNotAllowed):
            await origin.fetch_range(f"{base}/ranged/blob.bin", 0, 10, 0)
    assert exchanges.of("blob.bin") == []


async def test_local_heads_and_spans(root: Path) -> None:
    origin = LocalOrigin(root)
    try:
        head = await origin.fetch_head("local:///blob.bin", 0, always)
        whole = await origin.fetch_head("local:///blob.bin", 0, never)
        small = await origin.fetch_head("local:///small.bin", 0, always)
        span = await origin.fetch_range("local:///blob.bin", 7, 70_000, 0)
        tail = await origin.fetch_range("local:///blob.bin", SIZE - 3, SIZE + 3, 0)
        with pytest.raises(SourceNotAllowed):
            await origin.fetch_range("local:///../blob.bin", 0, 10, 0)
        with pytest.raises(SourceTooLarge):
            await origin.fetch_head("local:///blob.bin", SIZE - 1, always)
    finally:
        await origin.close()
    assert isinstance(head, Head)
    assert (head.size, head.original.data) == (SIZE, blob(root)[:PREFIX_BYTES])
    assert head.validator == head.original.etag
    assert isinstance(whole, Original)
    assert whole.data == blob(root)
    assert isinstance(small, Original)
    assert (span.start, span.size, span.data) == (7, SIZE, blob(root)[7:70_000])
    assert span.validator == head.validator
    assert tail.data == blob(root)[-3:]


async def test_the_caching_origin_keeps_whole_sources_and_passes_spans_through(
    client: str, served: tuple[str, Exchanges], root: Path
) -> None:
    base, exchanges = served
    async with http_origin(client) as origin:
        caching = CachingOrigin(origin, OriginalsCache(OriginalsL1(1 << 24), ttl=60))
        video_like = f"{base}/ranged/blob.bin"
        heads = [await caching.fetch_head(video_like, 0, always) for _ in range(2)]
        spans = [await caching.fetch_range(video_like, 0, 100, 0) for _ in range(2)]
        small = [await caching.fetch_head(f"{base}/ranged/small.bin", 0, always) for _ in range(2)]
    assert all(isinstance(head, Head) for head in heads)
    assert [span.data for span in spans] == [blob(root)[:100]] * 2
    assert [exchange.range for exchange in exchanges.of("blob.bin")] == [
        None,
        None,
        "bytes=0-99",
        "bytes=0-99",
    ]
    assert small[0] == small[1]
    assert len(exchanges.of("small.bin")) == 1
