"""Settings carried over from imgproxy, through the real server and real loopback origins."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest
import pyvips

from imgproxy.signing import sign
from tests.support import CORPUS, OriginHandler, OriginLog, running_origin, running_proxy

PHOTO = "jpeg-baseline-icc.jpg"  # 290x442
WEBP = "webp-lossy.webp"  # 550x368, no alpha
ALPHA = "png-rgba8-photo.png"  # 2048x1536, alpha
FALLBACK = "png-rgb8-pngsuite.png"  # 32x32
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
KEY, SALT = b"migration-key", b"migration-salt"
HINT_VARY = "Sec-CH-DPR, DPR, Sec-CH-Width, Width"


class HeaderOrigin(OriginHandler):
    """The corpus, plus files served with the caching headers an origin may send."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib handler's name
        route, _, name = self.path.lstrip("/").partition("/")
        headers = {
            "cache-control": {"Cache-Control": "public, max-age=123, must-revalidate"},
            "expires": {"Expires": formatdate(time.time() + 3600, usegmt=True)},
            "dated": {"Last-Modified": LAST_MODIFIED},
        }.get(route)
        if headers is None:
            super().do_GET()
            return
        self.log.paths.append(self.path)
        data = (CORPUS / name).read_bytes()
        self.send_response(200)
        for header, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(header, value)
        self.end_headers()
        self.wfile.write(data)


def header_origin() -> AbstractContextManager[tuple[str, OriginLog]]:
    return running_origin(HeaderOrigin)


@pytest.fixture(scope="module")
def origin() -> Iterator[tuple[str, OriginLog]]:
    with header_origin() as served:
        yield served


@contextmanager
def client(env: dict[str, str]) -> Iterator[httpx.Client]:
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as http:
        yield http


def decoded(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Already present before issue 8: prefix, presets file, detection aliases, ETag switch.


def test_path_prefix(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    with client({"IMGPROXY_PATH_PREFIX": "/img/"}) as proxy:
        assert decoded(proxy.get(f"/img/_/w:50/plain/{base}/files/{PHOTO}")).width == 50
        assert proxy.get(f"/_/w:50/plain/{base}/files/{PHOTO}").status_code == 404


def test_presets_path(origin: tuple[str, OriginLog], tmp_path: Path) -> None:
    base, _ = origin
    presets = tmp_path / "presets.txt"
    presets.write_text("# thumbnails\nthumb=rs:fill:60:40\n\nsmall=w:20\n", encoding="utf-8")
    with client({"IMGPROXY_PRESETS_PATH": str(presets)}) as proxy:
        image = decoded(proxy.get(f"/_/pr:thumb/plain/{base}/files/{PHOTO}"))
        assert (image.width, image.height) == (60, 40)
        assert decoded(proxy.get(f"/_/pr:small/plain/{base}/files/{PHOTO}")).width == 20


@pytest.mark.parametrize(
    ("alias", "accept", "media_type"),
    [
        ("IMGPROXY_ENABLE_WEBP_DETECTION", "image/webp,*/*", "image/webp"),
        ("IMGPROXY_ENABLE_AVIF_DETECTION", "image/avif,*/*", "image/avif"),
    ],
)
def test_detection_aliases(
    origin: tuple[str, OriginLog], alias: str, accept: str, media_type: str
) -> None:
    base, _ = origin
    path = f"/_/w:40/plain/{base}/files/{PHOTO}"
    with client({alias: "true"}) as proxy:
        chosen = proxy.get(path, headers={"Accept": accept})
        assert (chosen.headers["content-type"], chosen.headers["vary"]) == (media_type, "Accept")
        assert proxy.get(path, headers={"Accept": "*/*"}).headers["content-type"] == "image/jpeg"


def test_use_etag_off(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/w:40/plain/{base}/files/{PHOTO}"
    with client({}) as proxy:
        etag = proxy.get(path).headers["etag"]
        assert proxy.get(path, headers={"If-None-Match": etag}).status_code == 304
    with client({"IMGPROXY_USE_ETAG": "false"}) as proxy:
        response = proxy.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 200
        assert "etag" not in response.headers


# Source URLs


def test_base_url_prefixes_sources(origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    with client({"IMGPROXY_BASE_URL": f"{base}/files/"}) as proxy:
        assert decoded(proxy.get(f"/_/w:30/plain/{PHOTO}")).width == 30
        assert log.paths[-1] == f"/files/{PHOTO}"
        # Already prefixed: not prefixed twice.
        assert decoded(proxy.get(f"/_/w:31/plain/{base}/files/{PHOTO}")).width == 31
        assert log.paths[-1] == f"/files/{PHOTO}"


def test_url_replacements_with_wildcards(origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    rules = f"corpus://={base}/files/;mirror://*/={base}/${{1}}/"
    with client({"IMGPROXY_URL_REPLACEMENTS": rules}) as proxy:
        assert decoded(proxy.get(f"/_/w:32/plain/corpus://{PHOTO}")).width == 32
        assert log.paths[-1] == f"/files/{PHOTO}"
        assert decoded(proxy.get(f"/_/w:33/plain/mirror://files/{WEBP}")).width == 33
        assert log.paths[-1] == f"/files/{WEBP}"
        refused = proxy.get(f"/_/w:34/plain/elsewhere://{PHOTO}")
        assert refused.status_code == 403


def test_replacements_apply_before_the_base_url(origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    env = {"IMGPROXY_URL_REPLACEMENTS": "photo:=files/", "IMGPROXY_BASE_URL": f"{base}/"}
    with client(env) as proxy:
        assert decoded(proxy.get(f"/_/w:35/plain/photo:{PHOTO}")).width == 35
        assert log.paths[-1] == f"/files/{PHOTO}"


# Signatures


def test_trusted_signatures_skip_the_check(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    env = {
        "IMGPROXY_KEY": KEY.hex(),
        "IMGPROXY_SALT": SALT.hex(),
        "IMGPROXY_TRUSTED_SIGNATURES": "cdn-signed-elsewhere, second",
    }
    rest = f"/w:36/plain/{base}/files/{PHOTO}"
    with client(env) as proxy:
        assert decoded(proxy.get("/cdn-signed-elsewhere" + rest)).width == 36
        assert decoded(proxy.get("/second" + rest)).width == 36
        assert decoded(proxy.get("/" + sign(rest, KEY, SALT) + rest)).width == 36
        assert proxy.get("/cdn-signed" + rest).status_code == 403
        assert proxy.get("/unsafe" + rest).status_code == 403


# CORS


def test_allow_origin_on_every_response_and_preflight(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/w:37/plain/{base}/files/{PHOTO}"
    env = {"IMGPROXY_ALLOW_ORIGIN": "https://app.example", "IMGPROXY_SECRET": "s3cret"}
    authorized = {"Authorization": "Bearer s3cret"}
    with client(env) as proxy:
        for response in (
            proxy.get(path, headers=authorized),
            proxy.get(f"/_/w:abc/plain/{base}/files/{PHOTO}", headers=authorized),
            proxy.get(path),
            proxy.options(path, headers={"Origin": "https://app.example"}),
        ):
            assert response.headers["access-control-allow-origin"] == "https://app.example"
            assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
        assert [
            proxy.get(path, headers=authorized).status_code,
            proxy.get(path).status_code,  # the secret still guards images
            proxy.options(path).status_code,  # a preflight carries no Authorization
        ] == [200, 403, 200]


def test_no_cors_headers_by_default(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/w:38/plain/{base}/files/{PHOTO}"
    with client({}) as proxy:
        preflight = proxy.options(path)
        assert preflight.status_code == 200
        assert "access-control-allow-origin" not in proxy.get(path).headers
        assert "access-control-allow-origin" not in preflight.headers


# Client Hints


def test_client_hints_set_width_and_dpr(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/plain/{base}/files/{PHOTO}@png"
    with client({"IMGPROXY_ENABLE_CLIENT_HINTS": "true"}) as proxy:
        assert decoded(proxy.get(path, headers={"Width": "120"})).width == 120
        assert decoded(proxy.get(path, headers={"Sec-CH-Width": "100"})).width == 100
        # Width hints are device pixels: 200 at DPR 2 is w:100 at dpr:2, 200 pixels.
        hinted = proxy.get(path, headers={"Sec-CH-Width": "200", "Sec-CH-DPR": "2"})
        assert decoded(hinted).width == 200
        assert hinted.headers["vary"] == HINT_VARY
        # A DPR hint alone doubles an explicit width; an explicit width wins over the hint.
        explicit = f"/_/w:50/plain/{base}/files/{PHOTO}@png"
        assert decoded(proxy.get(explicit, headers={"DPR": "2", "Width": "300"})).width == 100
        # Out-of-range or malformed hints are ignored.
        assert decoded(proxy.get(path, headers={"DPR": "9", "Width": "abc"})).width == 290


def test_client_hints_are_part_of_the_cache_key(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/plain/{base}/files/{PHOTO}@png"
    with client({"IMGPROXY_ENABLE_CLIENT_HINTS": "1"}) as proxy:
        first = proxy.get(path, headers={"Width": "80"})
        second = proxy.get(path, headers={"Width": "90"})
        again = proxy.get(path, headers={"Width": "80"})
        assert [decoded(r).width for r in (first, second, again)] == [80, 90, 80]
        assert [r.headers["x-cache"] for r in (first, second, again)] == ["MISS", "MISS", "HIT"]


def test_client_hints_are_ignored_by_default(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    with client({}) as proxy:
        response = proxy.get(f"/_/plain/{base}/files/{PHOTO}@png", headers={"Width": "80"})
        assert decoded(response).width == 290
        assert "vary" not in response.headers


# Formats


def test_enforce_webp_overrides_an_explicit_format(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/w:40/plain/{base}/files/{PHOTO}@png"
    with client({"IMGPROXY_ENFORCE_WEBP": "true"}) as proxy:
        webp = proxy.get(path, headers={"Accept": "image/webp,*/*"})
        png = proxy.get(path, headers={"Accept": "*/*"})
        webp_again = proxy.get(path, headers={"Accept": "image/webp"})
        assert [r.headers["content-type"] for r in (webp, png, webp_again)] == [
            "image/webp",
            "image/png",
            "image/webp",
        ]
        assert [r.headers["x-cache"] for r in (webp, png, webp_again)] == ["MISS", "MISS", "HIT"]
        assert {r.headers["vary"] for r in (webp, png)} == {"Accept"}
        assert decoded(webp).width == decoded(png).width == 40


def test_enforce_avif_goes_before_webp(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/w:40/plain/{base}/files/{PHOTO}@jpg"
    env = {"IMGPROXY_ENFORCE_WEBP": "1", "IMGPROXY_ENFORCE_AVIF": "1"}
    with client(env) as proxy:
        both = proxy.get(path, headers={"Accept": "image/avif,image/webp"})
        assert both.headers["content-type"] == "image/avif"
        assert decoded(both).width == 40
        webp_only = proxy.get(path, headers={"Accept": "image/webp"})
        assert webp_only.headers["content-type"] == "image/webp"


def test_auto_formats_leave_an_explicit_format_alone(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    with client({"IMGPROXY_AUTO_WEBP": "1"}) as proxy:
        explicit = proxy.get(
            f"/_/w:40/plain/{base}/files/{PHOTO}@png", headers={"Accept": "image/webp"}
        )
        assert explicit.headers["content-type"] == "image/png"
        assert "vary" not in explicit.headers


def test_preferred_formats(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    webp, alpha = f"/_/w:40/plain/{base}/files/{WEBP}", f"/_/w:40/plain/{base}/files/{ALPHA}"
    with client({}) as proxy:
        assert proxy.get(webp).headers["content-type"] == "image/webp"
    with client({"IMGPROXY_PREFERRED_FORMATS": "jpeg,png,gif"}) as proxy:
        assert proxy.get(webp).headers["content-type"] == "image/jpeg"
        kept = proxy.get(alpha)
        assert kept.headers["content-type"] == "image/png"
        assert decoded(kept).hasalpha()
    with client({"IMGPROXY_PREFERRED_FORMATS": "jpeg,webp", "IMGPROXY_AUTO_AVIF": "1"}) as proxy:
        with_alpha = proxy.get(alpha)
        assert with_alpha.headers["content-type"] == "image/webp"  # jpeg has no alpha
        assert decoded(with_alpha).hasalpha()
        negotiated = proxy.get(webp, headers={"Accept": "image/avif"})
        assert negotiated.headers["content-type"] == "image/avif"
        explicit = proxy.get(webp + "@png")
        assert explicit.headers["content-type"] == "image/png"


# Caching headers


def test_cache_control_passthrough(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    env = {"IMGPROXY_CACHE_CONTROL_PASSTHROUGH": "true", "IMGPROXY_TTL": "600"}
    with client(env) as proxy:
        path = f"/_/w:40/plain/{base}/cache-control/{PHOTO}"
        first, hit = proxy.get(path), proxy.get(path)
        assert hit.headers["x-cache"] == "HIT"
        for response in (first, hit):
            assert response.headers["cache-control"] == "public, max-age=123, must-revalidate"
        expiring = proxy.get(f"/_/w:40/plain/{base}/expires/{PHOTO}").headers["cache-control"]
        assert expiring.startswith("public, max-age=")
        assert 3500 < int(expiring.removeprefix("public, max-age=")) <= 3600
        plain = proxy.get(f"/_/w:40/plain/{base}/files/{PHOTO}").headers["cache-control"]
        assert plain.startswith("public, max-age=600")
        expires = int(time.time()) + 100
        capped = proxy.get(f"/_/exp:{expires}/w:40/plain/{base}/cache-control/{PHOTO}")
        assert capped.headers["cache-control"].startswith("public, max-age=")
        assert int(capped.headers["cache-control"].removeprefix("public, max-age=")) <= 100
    with client({"IMGPROXY_TTL": "600"}) as proxy:
        ignored = proxy.get(f"/_/w:40/plain/{base}/cache-control/{PHOTO}")
        assert ignored.headers["cache-control"].startswith("public, max-age=600")


def test_last_modified_and_if_modified_since(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    path = f"/_/w:40/plain/{base}/dated/{PHOTO}"
    with client({"IMGPROXY_USE_ETAG": "false"}) as proxy:
        first = proxy.get(path)
        assert first.headers["last-modified"] == LAST_MODIFIED
        same = proxy.get(path, headers={"If-Modified-Since": LAST_MODIFIED})
        assert (same.status_code, same.content) == (304, b"")
        assert same.headers["last-modified"] == LAST_MODIFIED
        older = proxy.get(path, headers={"If-Modified-Since": "Tue, 20 Oct 2015 07:28:00 GMT"})
        assert older.status_code == 200
    with client({"IMGPROXY_USE_LAST_MODIFIED": "false"}) as proxy:
        response = proxy.get(path, headers={"If-Modified-Since": LAST_MODIFIED})
        assert response.status_code == 200
        assert "last-modified" not in response.headers


def test_304_with_last_modified_before_processing(origin: tuple[str, OriginLog]) -> None:
    base, log = origin
    path = f"/_/w:41/plain/{base}/dated/{PHOTO}"
    env = {"IMGPROXY_CACHE_MEMORY_BYTES": "0", "IMGPROXY_SOURCES_CACHE_BYTES": "0"}
    with client(env) as proxy:
        response = proxy.get(path, headers={"If-Modified-Since": LAST_MODIFIED})
        assert response.status_code == 304
        assert response.headers["x-cache"] == "REVALIDATED"
        assert log.paths[-1] == f"/dated/{PHOTO}"


# Fallback image


def fallback_env(**extra: str) -> dict[str, str]:
    data = base64.b64encode((CORPUS / FALLBACK).read_bytes()).decode("ascii")
    return {"IMGPROXY_FALLBACK_IMAGE_DATA": data, **extra}


def expected_fallback(proxy: httpx.Client, base: str) -> pyvips.Image:
    """The fallback image with the same options, asked for directly."""
    return decoded(proxy.get(f"/_/rs:fill:20:10/plain/{base}/files/{FALLBACK}@png"))


def test_fallback_answers_failed_sources(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    sources = {
        "missing": f"{base}/files/no-such.jpg",
        "origin 500": f"{base}/status/500",
        "unreachable": f"http://127.0.0.1:{closed_port()}/a.jpg",
        "corrupt": f"{base}/files/jpeg-corrupt-header.jpg",
    }
    with client(fallback_env(IMGPROXY_FALLBACK_IMAGE_TTL="120")) as proxy:
        expected = expected_fallback(proxy, base)
        for name, source in sources.items():
            response = proxy.get(f"/_/rs:fill:20:10/plain/{source}@png")
            assert response.status_code == 200, name
            assert response.headers["cache-control"] == "public, max-age=120", name
            assert response.headers["x-cache"] == "FALLBACK", name
            assert "etag" not in response.headers
            assert "last-modified" not in response.headers
            image = decoded(response)
            assert (image.width, image.height) == (20, 10), name
            assert (image - expected).abs().max() == 0, name
        working = proxy.get(f"/_/rs:fill:20:10/plain/{base}/files/{PHOTO}@png")
        assert working.headers["x-cache"] == "MISS"
        assert (decoded(working) - expected).abs().max() > 0


def test_fallback_status_code_and_default_ttl(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    env = fallback_env(IMGPROXY_FALLBACK_IMAGE_HTTP_CODE="404", IMGPROXY_TTL="900")
    with client(env) as proxy:
        response = proxy.get(f"/_/w:16/plain/{base}/status/500@png")
        assert (response.status_code, response.headers["cache-control"]) == (
            404,
            "public, max-age=900",
        )
        assert pyvips.Image.new_from_buffer(response.content, "").width == 16


def test_fallback_code_zero_keeps_the_failure_status(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    with client(fallback_env(IMGPROXY_FALLBACK_IMAGE_HTTP_CODE="0")) as proxy:
        statuses = [
            proxy.get(f"/_/w:16/plain/{source}").status_code
            for source in (
                f"{base}/files/no-such.jpg",
                f"{base}/status/500",
                f"{base}/files/jpeg-corrupt-header.jpg",
            )
        ]
        assert statuses == [404, 502, 422]
        assert proxy.get(f"/_/w:16/plain/{base}/status/500").headers["content-type"] == "image/png"


def test_fallback_is_not_used_for_refusals(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    env = fallback_env(IMGPROXY_KEY=KEY.hex(), IMGPROXY_SALT=SALT.hex())
    with client(env) as proxy:
        assert proxy.get(f"/bad/w:16/plain/{base}/files/no-such.jpg").status_code == 403
        rest = "/w:abc/plain/" + f"{base}/files/no-such.jpg"
        assert proxy.get("/" + sign(rest, KEY, SALT) + rest).status_code == 400


def test_fallback_from_path_and_url(origin: tuple[str, OriginLog]) -> None:
    base, _ = origin
    missing = f"/_/rs:fill:20:10/plain/{base}/files/no-such.jpg@png"
    for env in (
        {"IMGPROXY_FALLBACK_IMAGE_PATH": str(CORPUS / FALLBACK)},
        {"IMGPROXY_FALLBACK_IMAGE_URL": f"{base}/files/{FALLBACK}"},
    ):
        with client(env) as proxy:
            response = proxy.get(missing)
            assert response.status_code == 200
            assert (decoded(response) - expected_fallback(proxy, base)).abs().max() == 0
