"""Cache tags: the headers each IMGPROXY_CACHE_TAGS_FORMAT writes, and the purge index that
finds every stored answer of one tag in a real Redis."""

from __future__ import annotations

import pytest

from cache.http import success_headers, tag_headers
from cache.record import CachedVariant
from cache.redis_tier import RedisTier
from cache.variants import RecordsL1, VariantCache, tag_index
from tests.cache.records import png_record
from tests.cache.redis_procs import guarded

SOURCE_KEY = "69NAqAvfRGGi3nQu26GhTPl4_lZe8WQ5nVEx1Zbw0xQ"
CLOUDFLARE = "Cache-Tag"
CLOUDFRONT = "x-amz-meta-cache-tag"


@pytest.mark.parametrize(
    ("tags_format", "written"),
    [
        ("all", {CLOUDFLARE, CLOUDFRONT}),
        ("cloudflare", {CLOUDFLARE}),
        ("cloudfront", {CLOUDFRONT}),
        ("none", set()),
    ],
)
def test_each_format_writes_its_headers_after_surrogate_key(
    tags_format: str, written: set[str]
) -> None:
    headers = tag_headers(SOURCE_KEY, ("products", "home"), tags_format)
    assert headers.pop("Surrogate-Key") == f"{SOURCE_KEY} products home"
    assert headers == dict.fromkeys(written, f"{SOURCE_KEY},products,home")


def test_without_tags_every_header_names_the_source() -> None:
    assert tag_headers(SOURCE_KEY) == {
        "Surrogate-Key": SOURCE_KEY,
        CLOUDFLARE: SOURCE_KEY,
        CLOUDFRONT: SOURCE_KEY,
    }


def test_success_headers_carry_the_tags() -> None:
    headers = success_headers(
        media_type="image/png",
        etag=None,
        cache_control_value="no-cache",
        vary=(),
        disposition="inline",
        surrogate_key=SOURCE_KEY,
        cache_tags=("a",),
        tags_format="cloudflare",
    )
    assert (headers["Surrogate-Key"], headers[CLOUDFLARE]) == (f"{SOURCE_KEY} a", f"{SOURCE_KEY},a")
    assert CLOUDFRONT not in headers


def stored(now: float) -> CachedVariant:
    return png_record(b"bytes", now, stale_grace=0)


def test_tag_index_names_cannot_meet_source_keys_and_ignore_case() -> None:
    assert tag_index("Products") == tag_index("products") == "tag:products"
    assert ":" not in SOURCE_KEY


async def test_purge_by_tag_drops_every_answer_indexed_under_it(redis_url: str) -> None:
    async with guarded(redis_url) as redis:
        l1, l2 = RecordsL1(1 << 20), RedisTier(redis)
        variants = VariantCache(l1, l2, clock=lambda: 1000.0)
        await variants.put("home-1", stored(1000.0), "source-a", ("Home", "sale"))
        await variants.put("home-2", stored(1000.0), "source-b", ("home",))
        await variants.put("untagged", stored(1000.0), "source-a")
        assert sorted(await variants.purge(tag_index("HOME"))) == ["home-1", "home-2"]
        assert await variants.get("home-1") is None and "home-1" not in l1
        assert await variants.get("home-2") is None
        assert await variants.get("untagged") is not None
        assert await variants.purge(tag_index("home")) == []
        assert await variants.purge(tag_index("sale")) == ["home-1"]  # already gone: counted
        assert await variants.purge("source-a") == ["home-1", "untagged"]
