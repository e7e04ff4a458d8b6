"""The HTTP contract of the image route, against the real server and a real loopback origin."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import pyvips

from imgproxy.signing import sign
from tests.support import CORPUS, OriginLog, raw_get, running_proxy

KEY_1, SALT_1 = b"test-key", b"test-salt"
KEY_2, SALT_2 = b"test-key2", b"test-salt2"
PHOTO = "jpeg-baseline-icc.jpg"


def signed(path: str, key: bytes = KEY_1, salt: bytes = SALT_1) -> str:
    return f"/{sign(path, key, salt)}{path}"


@pytest.fixture(scope="module")
def local_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    shutil.copy(CORPUS / PHOTO, root / PHOTO)
    (root / "inner").mkdir()
    shutil.copy(CORPUS / PHOTO, root / "inner" / "photo.jpg")
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(CORPUS / PHOTO, outside / "secret.jpg")
    os.symlink(outside / "secret.jpg", root / "escape.jpg")
    os.symlink(outside, root / "escape-dir")
    return root


@pytest.fixture(scope="module")
def signed_proxy(local_root: Path) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_KEY": f"{KEY_1.hex()},{KEY_2.hex()}",
        "IMGPROXY_SALT": f"{SALT_1.hex()},{SALT_2.hex()}",
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(local_root),
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
        yield client


def proxy_env(local_root: Path) -> dict[str, str]:
    return {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(local_root),
        "IMGPROXY_AUTO_WEBP": "1",
        "IMGPROXY_AUTO_AVIF": "1",
        "IMGPROXY_MAX_SRC_FILE_SIZE": str(1024 * 1024),
        "IMGPROXY_MAX_REDIRECTS": "3",
        "IMGPROXY_DOWNLOAD_TIMEOUT": "1",
        "IMGPROXY_PRESETS": "thumb=rs:fill:50:40,default=q:70",
        "IMGPROXY_TTL": "3600",
    }


@pytest.fixture(scope="module")
def proxy(local_root: Path, origin: tuple[str, OriginLog]) -> Iterator[httpx.Client]:
    env = proxy_env(local_root)
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
        yield client


def dimensions(response: httpx.Response) -> tuple[int, int]:
    image = pyvips.Image.new_from_buffer(response.content, "")
    return image.width, image.height


class TestSignatures:
    def test_each_rotated_key_pair_is_accepted(self, signed_proxy: httpx.Client) -> None:
        path = f"/rs:fit:50:50/plain/local:///{PHOTO}"
        for key, salt in ((KEY_1, SALT_1), (KEY_2, SALT_2)):
            response = signed_proxy.get(signed(path, key, salt))
            assert response.status_code == 200
            assert dimensions(response) == (33, 50)

    @pytest.mark.parametrize(
        ("signature", "reason"),
        [
            ("unsafe", "Missing signature"),
            ("oWaL7QoW5TsgbuiS9-5-DI8S3Ibbo1gdB2SteJh3a20", "Invalid signature"),
            ("not base64!", "Invalid signature"),
        ],
    )
    def test_wrong_signature_is_403(
        self, signed_proxy: httpx.Client, signature: str, reason: str
    ) -> None:
        response = signed_proxy.get(f"/{signature}/rs:fit:50:50/plain/local:///{PHOTO}")
        assert (response.status_code, response.text) == (403, reason + "\n")

    def test_signature_of_other_options_is_403(self, signed_proxy: httpx.Client) -> None:
        good = signed(f"/rs:fit:50:50/plain/local:///{PHOTO}")
        response = signed_proxy.get(good.replace("rs:fit:50:50", "rs:fit:500:500"))
        assert response.status_code == 403

    def test_query_string_is_not_signed(self, signed_proxy: httpx.Client) -> None:
        response = signed_proxy.get(signed(f"/w:40/plain/local:///{PHOTO}") + "?utm=1")
        assert response.status_code == 200

    def test_unsigned_mode_explains_missing_signature(self, proxy: httpx.Client) -> None:
        response = proxy.get(f"/rs:fit:50:50/w:10/plain/local:///{PHOTO}")
        assert response.status_code == 403
        assert response.text.startswith("The signature appears to be a processing option")


class TestRoutesAndErrors:
    def test_health(self, proxy: httpx.Client) -> None:
        response = proxy.get("/health")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"

    @pytest.mark.parametrize("path", ["/", "/favicon.ico", "/robots.txt"])
    def test_unknown_route_is_404(self, proxy: httpx.Client, path: str) -> None:
        assert proxy.get(path).status_code == 404

    @pytest.mark.parametrize(
        ("path", "status", "message"),
        [
            (
                "/_/w:abc/plain/local:///x.jpg",
                400,
                "Expected integer 0..65535 for width but received 'abc'",
            ),
            ("/_/foo:1/plain/local:///x.jpg", 400, "Unknown option: foo"),
            (
                "/_/rs:fill:10:10/plain/local:///x.jpg@png@webp",
                400,
                "Multiple formats are specified: local:///x.jpg@png@webp",
            ),
            (
                "/_/fill/300/200/ce/0/plain/local:///x.jpg",
                400,
                "The basic URL format is not supported; use processing options",
            ),
            ("/_/pr:nope/plain/local:///x.jpg", 400, "Unknown preset: nope"),
            ("/_/exp:1000/plain/local:///x.jpg", 410, "Expired URL"),
            ("/_/w:10/plain/local:///missing.jpg", 404, "Source image not found"),
            (
                "/_/w:10/plain/ftp://example.invalid/x.jpg",
                403,
                "Source scheme 'ftp' is not enabled",
            ),
        ],
    )
    def test_error_status_and_message(
        self, proxy: httpx.Client, path: str, status: int, message: str
    ) -> None:
        response = proxy.get(path)
        assert (response.status_code, response.text.strip()) == (status, message)
        expected = "max-age=60" if status == 404 else "no-store"
        assert response.headers["cache-control"] == expected


class TestGrammarOnTheWire:
    def test_base64_source_split_by_slashes(self, proxy: httpx.Client) -> None:
        response = proxy.get("/_/rs:fit:30:30/bG9jYWw6Ly8v/anBlZy1iYXNlbGluZS1pY2MuanBn.png")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"

    def test_encoded_colons_and_collapsed_scheme(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        host = origin[0].removeprefix("http://")
        response = proxy.get(f"/_/rs%3Afit%3A30%3A30/plain/http:/{host}/files/{PHOTO}")
        assert response.status_code == 200
        assert dimensions(response) == (20, 30)

    def test_presets_and_default_preset(self, proxy: httpx.Client) -> None:
        response = proxy.get(f"/_/pr:thumb/plain/local:///{PHOTO}@jpg")
        assert dimensions(response) == (50, 40)

    def test_percent_escapes_in_plain_source(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        base, log = origin
        response = proxy.get(f"/_/w:20/plain/{base}/files/{PHOTO}%3Fv%3D1%26x%40y")
        assert response.status_code == 200
        assert log.paths[-1] == f"/files/{PHOTO}?v=1&x@y"


class TestNegotiation:
    PATH = f"/_/rs:fit:40:40/plain/local:///{PHOTO}"

    @pytest.mark.parametrize(
        ("accept", "media_type"),
        [
            ("image/avif,image/webp,*/*", "image/avif"),
            ("image/webp,*/*", "image/webp"),
            ("*/*", "image/jpeg"),
            ("", "image/jpeg"),
        ],
    )
    def test_accept_picks_format_and_varies(
        self, proxy: httpx.Client, accept: str, media_type: str
    ) -> None:
        response = proxy.get(self.PATH, headers={"Accept": accept})
        assert response.headers["content-type"] == media_type
        assert response.headers["vary"] == "Accept"
        loader = str(pyvips.Image.new_from_buffer(response.content, "").get("vips-loader"))
        assert loader.startswith(
            {"image/avif": "heif", "image/webp": "webp", "image/jpeg": "jpeg"}[media_type]
        )

    def test_explicit_format_wins_and_does_not_vary(self, proxy: httpx.Client) -> None:
        response = proxy.get(self.PATH + "@png", headers={"Accept": "image/avif"})
        assert response.headers["content-type"] == "image/png"
        assert "vary" not in response.headers

    @pytest.mark.parametrize(
        ("accept", "candidates"),
        [
            ("image/avif,image/webp,*/*", {"image/avif", "image/webp", "image/jpeg"}),
            ("image/webp,*/*", {"image/webp", "image/jpeg"}),
            ("*/*", {"image/jpeg", "image/png", "image/gif"}),
        ],
    )
    def test_best_answers_one_of_its_candidates_and_varies(
        self, proxy: httpx.Client, accept: str, candidates: set[str]
    ) -> None:
        response = proxy.get(self.PATH + "@best", headers={"Accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] in candidates
        assert response.headers["vary"] == "Accept"
        if accept == "*/*":
            assert response.headers["content-type"] == "image/jpeg", "the smallest for a photo"

    def test_not_modified_keeps_vary(self, proxy: httpx.Client) -> None:
        first = proxy.get(self.PATH, headers={"Accept": "image/webp"})
        again = proxy.get(
            self.PATH, headers={"Accept": "image/webp", "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["vary"] == "Accept"
        assert again.headers["etag"] == first.headers["etag"]
        assert again.content == b""

    def test_variants_have_distinct_etags(self, proxy: httpx.Client) -> None:
        webp = proxy.get(self.PATH, headers={"Accept": "image/webp"})
        jpeg = proxy.get(self.PATH, headers={"Accept": "image/jpeg"})
        assert webp.headers["etag"] != jpeg.headers["etag"]


class TestHeaders:
    def test_success_headers(self, proxy: httpx.Client) -> None:
        response = proxy.get(f"/_/w:40/plain/local:///{PHOTO}@webp")
        assert response.headers["cache-control"] == (
            "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=604800"
        )
        assert (
            response.headers["content-disposition"] == 'inline; filename="jpeg-baseline-icc.webp"'
        )
        assert int(response.headers["content-length"]) == len(response.content)

    def test_expires_caps_max_age(self, proxy: httpx.Client) -> None:
        expires = int(time.time()) + 600
        response = proxy.get(f"/_/w:40/exp:{expires}/plain/local:///{PHOTO}")
        max_age = int(response.headers["cache-control"].split("=")[1].split(",")[0])
        assert 0 < max_age <= 600

    def test_head_has_get_headers_without_body(self, proxy: httpx.Client) -> None:
        path = f"/_/w:40/plain/local:///{PHOTO}"
        get, head = proxy.get(path), proxy.head(path)
        assert head.status_code == 200 and head.content == b""
        for name in ("content-type", "content-length", "etag", "cache-control"):
            assert head.headers[name] == get.headers[name]


class TestLocalOrigin:
    @pytest.mark.parametrize(
        "source",
        [
            "local:///../etc/passwd",
            "local:///inner/../../etc/passwd",
            "local:///%2e%2e/etc/passwd",
            "local:///inner/%2E%2E/%2E%2E/etc/hostname",
            "local:///escape.jpg",
            "local:///escape-dir/secret.jpg",
        ],
    )
    def test_no_way_out_of_the_root(self, proxy: httpx.Client, source: str) -> None:
        status, body = raw_get(str(proxy.base_url).rstrip("/"), f"/_/w:10/plain/{source}")
        assert (status, body.strip()) == (403, "Source path leaves the local root")

    def test_host_in_local_source_is_refused(self, proxy: httpx.Client) -> None:
        status, body = raw_get(str(proxy.base_url).rstrip("/"), "/_/w:10/plain/local://etc/passwd")
        assert (status, body.strip()) == (403, "Local sources look like local:///path")

    def test_subfolder_inside_root(self, proxy: httpx.Client) -> None:
        assert proxy.get("/_/w:10/plain/local:///inner/photo.jpg").status_code == 200


class TestHttpOrigin:
    @pytest.fixture(scope="class", params=["httpx", "curl"])
    @classmethod
    def proxy(
        cls, local_root: Path, origin: tuple[str, OriginLog], request: pytest.FixtureRequest
    ) -> Iterator[httpx.Client]:
        """The same proxy with each IMGPROXY_HTTP_CLIENT: both keep the same contract."""
        env = {**proxy_env(local_root), "IMGPROXY_HTTP_CLIENT": request.param}
        with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
            yield client

    def test_origin_missing_is_404(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        response = proxy.get(f"/_/w:10/plain/{origin[0]}/files/nothing.jpg")
        assert (response.status_code, response.text.strip()) == (404, "Source image not found")

    def test_origin_failure_is_502(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        response = proxy.get(f"/_/w:10/plain/{origin[0]}/status/500")
        assert (response.status_code, response.text.strip()) == (502, "Source answered 500")

    def test_unreachable_origin_is_502(self, proxy: httpx.Client) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        response = proxy.get(f"/_/w:10/plain/http://127.0.0.1:{port}/x.jpg")
        assert (response.status_code, response.text.strip()) == (502, "Source is unreachable")

    def test_redirects_followed_up_to_the_limit(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        assert proxy.get(f"/_/w:10/plain/{origin[0]}/redirect/3").status_code == 200
        response = proxy.get(f"/_/w:10/plain/{origin[0]}/redirect/5")
        assert (response.status_code, response.text.strip()) == (502, "Too many redirects")

    def test_slow_origin_is_504(self, proxy: httpx.Client, origin: tuple[str, OriginLog]) -> None:
        response = proxy.get(f"/_/w:10/plain/{origin[0]}/hang/1")
        assert (response.status_code, response.text.strip()) == (504, "Source timed out")

    def test_endless_body_is_cut_while_streaming(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        base, log = origin
        response = proxy.get(f"/_/w:10/plain/{base}/endless/1")
        assert (response.status_code, response.text.strip()) == (
            422,
            "Source image file is too big",
        )
        assert log.bytes_sent.get("/endless/1", 0) < 64 * 1024 * 1024

    def test_declared_oversize_is_refused_before_reading(
        self, proxy: httpx.Client, origin: tuple[str, OriginLog]
    ) -> None:
        response = proxy.get(f"/_/w:10/plain/{origin[0]}/declared/{10 * 1024 * 1024}")
        assert response.status_code == 422


def test_request_deadline_is_503_with_retry_after(
    origin: tuple[str, OriginLog], local_root: Path
) -> None:
    env = {"IMGPROXY_TIMEOUT": "0.5", "IMGPROXY_DOWNLOAD_TIMEOUT": "5"}
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
        response = client.get(f"/_/w:10/plain/{origin[0]}/hang/2")
    assert (response.status_code, response.text.strip()) == (503, "Timeout")
    assert response.headers["retry-after"] == "1"


def test_arguments_separator(local_root: Path) -> None:
    env = {"IMGPROXY_ARGUMENTS_SEPARATOR": ",", "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(local_root)}
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=20) as client:
        response = client.get(f"/_/rs,fill,30,20/plain/local:///{PHOTO}")
    assert dimensions(response) == (30, 20)
