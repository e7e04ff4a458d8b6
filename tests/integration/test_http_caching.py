"""HTTP caching semantics a CDN relies on: validators, 304s, stale allowances, purge keys."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import CORPUS, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copy(CORPUS / PHOTO, tmp_path / PHOTO)
    shutil.copy(CORPUS / "png-rgba8-photo.png", tmp_path / "other.png")
    return tmp_path


@pytest.fixture
def proxy(root: Path) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_AUTO_WEBP": "1",
        "IMGPROXY_TTL": "600",
        "IMGPROXY_STALE_WHILE_REVALIDATE": "30",
        "IMGPROXY_STALE_IF_ERROR": "90",
        "IMGPROXY_NOT_FOUND_TTL": "5",
        # No result cache: these tests watch every request reach the source.
        "IMGPROXY_CACHE_MEMORY_BYTES": "0",
        "IMGPROXY_SOURCES_CACHE_BYTES": "0",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def test_cache_control_carries_the_stale_allowances(proxy: httpx.Client) -> None:
    response = proxy.get(f"/_/w:50/plain/local:///{PHOTO}")
    assert response.headers["cache-control"] == (
        "public, max-age=600, stale-while-revalidate=30, stale-if-error=90"
    )
    assert proxy.get("/_/w:50/plain/local:///gone.jpg").headers["cache-control"] == "max-age=5"


def test_etag_changes_with_options_format_and_source(proxy: httpx.Client, root: Path) -> None:
    path = f"/_/w:50/plain/local:///{PHOTO}"
    first = proxy.get(path).headers["etag"]
    assert proxy.get(path).headers["etag"] == first
    assert proxy.get(f"/_/rs:fit:50:0/plain/local:///{PHOTO}").headers["etag"] == first
    assert proxy.get(f"/_/w:51/plain/local:///{PHOTO}").headers["etag"] != first
    assert proxy.get(path, headers={"Accept": "image/webp"}).headers["etag"] != first
    assert proxy.get(path + "@png").headers["etag"] != first
    shutil.copy(CORPUS / "jpeg-progressive-icc.jpg", root / PHOTO)
    assert proxy.get(path).headers["etag"] != first


def test_conditional_requests_answer_304(proxy: httpx.Client, root: Path) -> None:
    path = f"/_/w:50/plain/local:///{PHOTO}"
    first = proxy.get(path, headers={"Accept": "image/webp"})
    assert first.headers["content-type"] == "image/webp"
    again = proxy.get(
        path, headers={"Accept": "image/webp", "If-None-Match": first.headers["etag"]}
    )
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["vary"] == "Accept"
    assert again.headers["cache-control"].startswith("public, max-age=600")
    last_modified = first.headers["last-modified"]
    since = proxy.get(path, headers={"Accept": "image/webp", "If-Modified-Since": last_modified})
    assert since.status_code == 304
    stale = proxy.get(
        path,
        headers={
            "Accept": "image/webp",
            "If-None-Match": '"other"',
            "If-Modified-Since": last_modified,
        },
    )
    assert stale.status_code == 200  # If-None-Match wins over If-Modified-Since
    os.utime(root / PHOTO, (2_000_000_000, 2_000_000_000))
    newer = proxy.get(path, headers={"Accept": "image/webp", "If-Modified-Since": last_modified})
    assert newer.status_code == 200


def test_surrogate_key_names_the_source(proxy: httpx.Client) -> None:
    keys = {
        proxy.get(f"/_/{options}/plain/local:///{PHOTO}").headers["surrogate-key"]
        for options in ("w:10", "w:20", "rs:fill:30:30", "q:50/w:10")
    }
    assert len(keys) == 1
    (key,) = keys
    other = proxy.get("/_/w:10/plain/local:///other.png")
    assert other.headers["surrogate-key"] not in ("", key)
    assert other.headers["cache-tag"] == other.headers["surrogate-key"]
