"""Issue-3 behaviour on the wire: /info, raw, SVG, security options, presets-only, watermark."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import pyvips

from imgproxy.signing import sign
from tests.support import CORPUS, OriginLog, running_proxy

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sources")
    for name in (
        "jpeg-photo-12mp-iphone.jpg",
        "heic-iphone-12mp.heic",
        "svg-xss-script-handlers.svg",
        "gif-animated-30frames.gif",
        "png-rgba8-photo.png",
        "bmp-rgb24.bmp",
    ):
        shutil.copy(CORPUS / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def proxy(root: Path) -> Iterator[httpx.Client]:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_MAX_ANIMATION_FRAMES": "100",
        "IMGPROXY_WATERMARK_PATH": str(root / "bmp-rgb24.bmp"),
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def decoded(response: httpx.Response) -> pyvips.Image:
    assert response.status_code == 200, response.text
    return pyvips.Image.new_from_buffer(response.content, "")


def test_info_reports_the_source(proxy: httpx.Client) -> None:
    response = proxy.get("/info/_/pn:1/bh:4:3/plain/local:///heic-iphone-12mp.heic")
    assert response.headers["content-type"] == "application/json"
    document = orjson.loads(response.content)
    keys = ("width", "height", "format", "mime_type", "pages_number")
    assert {key: document[key] for key in keys} == {
        "width": 4032,
        "height": 3024,
        "format": "heic",
        "mime_type": "image/heif",
        "pages_number": 1,
    }
    assert document["size"] == (CORPUS / "heic-iphone-12mp.heic").stat().st_size
    assert len(str(document["blurhash"])) == 28


def test_info_is_signed_like_images(root: Path) -> None:
    env = {
        "IMGPROXY_KEY": "6b6579",
        "IMGPROXY_SALT": "73616c74",
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
    }
    with running_proxy(env) as base, httpx.Client(base_url=base) as client:
        assert client.get("/info/_/plain/local:///bmp-rgb24.bmp").status_code == 403
        path = "/plain/local:///bmp-rgb24.bmp"
        signature = sign(path, b"key", b"salt")
        assert client.get(f"/info/{signature}{path}").status_code == 200


def test_animation_stays_animated(proxy: httpx.Client) -> None:
    response = proxy.get("/_/rs:fit:40:40/plain/local:///gif-animated-30frames.gif")
    assert response.status_code == 200
    image = pyvips.Image.new_from_buffer(response.content, "", n=-1)
    source = pyvips.Image.new_from_file(str(CORPUS / "gif-animated-30frames.gif"), n=-1)
    assert image.get_n_pages() > 1
    assert (image.width, image.get("page-height")) == (40, 40)
    # libvips merges identical consecutive frames; the running time stays the same.
    assert sum(image.get("delay")) == sum(source.get("delay"))


def test_heic_is_decoded(proxy: httpx.Client) -> None:
    image = decoded(proxy.get("/_/w:200/plain/local:///heic-iphone-12mp.heic@webp"))
    assert (image.width, image.height) == (200, 150)


def test_svg_is_returned_sanitized_with_a_restrictive_policy(proxy: httpx.Client) -> None:
    response = proxy.get("/_/w:100/plain/local:///svg-xss-script-handlers.svg")
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == SVG_CSP
    assert b"<script" not in response.content.lower()
    assert b"onload" not in response.content.lower()


def test_svg_is_rasterized_when_a_format_is_asked(proxy: httpx.Client) -> None:
    image = decoded(proxy.get("/_/w:100/plain/local:///svg-xss-script-handlers.svg@png"))
    assert (image.width, image.height) == (100, 50)


def test_raw_streams_the_source_unchanged(proxy: httpx.Client, root: Path) -> None:
    response = proxy.get("/_/raw:1/w:10/plain/local:///bmp-rgb24.bmp")
    assert response.content == (root / "bmp-rgb24.bmp").read_bytes()
    assert response.headers["content-type"] == "image/bmp"


def test_attachment_with_filename(proxy: httpx.Client) -> None:
    response = proxy.get("/_/fn:holiday/att:1/w:10/plain/local:///bmp-rgb24.bmp@png")
    assert response.headers["content-disposition"] == 'attachment; filename="holiday.png"'


def test_unicode_filename_is_encoded(proxy: httpx.Client) -> None:
    encoded = "w7xiZXI"  # base64url("über")
    response = proxy.get(f"/_/fn:{encoded}:1/w:10/plain/local:///bmp-rgb24.bmp@png")
    assert response.headers["content-disposition"] == (
        "inline; filename=\"?ber.png\"; filename*=UTF-8''%C3%BCber.png"
    )


def test_watermark_from_path_changes_pixels(proxy: httpx.Client) -> None:
    plain = decoded(proxy.get("/_/w:200/plain/local:///jpeg-photo-12mp-iphone.jpg@png"))
    marked = decoded(
        proxy.get("/_/w:200/wm:1:ce:0:0:0.5/plain/local:///jpeg-photo-12mp-iphone.jpg@png")
    )
    assert (marked.width, marked.height) == (plain.width, plain.height)
    assert (marked - plain).abs().avg() > 5


def test_security_options_are_forbidden_by_default(proxy: httpx.Client) -> None:
    response = proxy.get("/_/msr:1/plain/local:///bmp-rgb24.bmp")
    assert (response.status_code, response.text.strip()) == (
        403,
        "Security option msr is not allowed",
    )


def test_security_options_when_allowed(root: Path) -> None:
    env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root), "IMGPROXY_ALLOW_SECURITY_OPTIONS": "1"}
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        response = client.get("/_/msr:1/plain/local:///jpeg-photo-12mp-iphone.jpg")
        assert (response.status_code, response.text.strip()) == (
            422,
            "Source image resolution is too big",
        )
        response = client.get("/_/msfs:1000/plain/local:///jpeg-photo-12mp-iphone.jpg")
        assert response.status_code == 422
        image = decoded(client.get("/_/mrd:64/w:1000/plain/local:///jpeg-photo-12mp-iphone.jpg"))
        assert max(image.width, image.height) == 64


def test_allowed_processing_options(root: Path) -> None:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_ALLOWED_PROCESSING_OPTIONS": "w,width,pr",
        "IMGPROXY_PRESETS": "small=rs:fit:20:20/q:50",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/_/w:20/plain/local:///bmp-rgb24.bmp").status_code == 200
        assert client.get("/_/pr:small/plain/local:///bmp-rgb24.bmp").status_code == 200
        response = client.get("/_/h:20/plain/local:///bmp-rgb24.bmp")
        assert (response.status_code, response.text.strip()) == (403, "Option not allowed: h")


def test_presets_only_mode(root: Path) -> None:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_ONLY_PRESETS": "1",
        "IMGPROXY_PRESETS": "small=rs:fill:20:10,webp=f:webp",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        response = client.get("/_/small:webp/plain/local:///bmp-rgb24.bmp")
        assert response.headers["content-type"] == "image/webp"
        assert (decoded(response).width, decoded(response).height) == (20, 10)
        response = client.get("/_/w:20/plain/local:///bmp-rgb24.bmp")
        assert (response.status_code, response.text.strip()) == (400, "Unknown preset: w")


def test_watermark_from_url_is_fetched_at_start(root: Path, origin: tuple[str, OriginLog]) -> None:
    base_url, log = origin
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_WATERMARK_URL": f"{base_url}/files/png-rgba8-photo.png",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/health").status_code == 200  # answered once start-up is over
        assert "/files/png-rgba8-photo.png" in log.paths
        image = decoded(client.get("/_/w:100/wm:0.8:re/plain/local:///bmp-rgb24.bmp@png"))
        assert image.width == 100
