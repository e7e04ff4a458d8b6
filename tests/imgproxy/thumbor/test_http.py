"""thumbor URLs on the wire: libthumbor URLs, signatures, meta, negotiation, advisories."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import orjson
import pytest
import pyvips

from imgproxy.thumbor.signing import sign
from tests.imgproxy.thumbor.conftest import KEY, PHOTO, Thumbor, image_of
from tests.support import raw_get, running_proxy


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ({"width": 300, "height": 200}, (300, 200)),
        ({"width": 300, "height": 200, "smart": True}, (300, 200)),
        ({"width": 150, "height": 150, "halign": "left", "valign": "top"}, (150, 150)),
        ({"width": 300, "height": 300, "fit_in": True}, (300, 200)),
        ({"width": 300, "height": 300, "full_fit_in": True}, (450, 300)),
        ({"width": 200, "height": 300, "adaptive_fit_in": True}, (300, 200)),
        ({"width": 300}, (300, 200)),
        ({"height": 100, "horizontal_flip": True}, (150, 100)),
        ({"width": 60, "height": 60, "crop": ((100, 100), (700, 700))}, (60, 60)),
        ({"width": 3600, "height": 100}, (3600, 100)),
    ],
)
def test_libthumbor_urls_are_served_with_the_right_size(
    thumbor: Thumbor, options: dict[str, object], size: tuple[int, int]
) -> None:
    response = thumbor.signed(f"{thumbor.origin_host}/files/{PHOTO}", **options)
    image = image_of(response)
    assert (image.width, image.height) == size
    assert response.headers["content-type"] == "image/jpeg"


def test_libthumbor_filters_and_every_image_url_form(thumbor: Thumbor) -> None:
    plain = f"{thumbor.origin_host}/files/{PHOTO}"
    for image in (plain, f"http://{plain}", f"http%3A%2F%2F{plain.replace('/', '%2F')}"):
        response = thumbor.signed(image, width=120, height=80, filters=["format(png)"])
        picture = image_of(response)
        assert (picture.width, picture.height, response.headers["content-type"]) == (
            120,
            80,
            "image/png",
        )


def test_flip_mirrors_the_pixels(thumbor: Thumbor) -> None:
    straight = image_of(thumbor.get(f"/unsafe/90x60/local:///{PHOTO}"))
    flipped = image_of(thumbor.get(f"/unsafe/-90x60/local:///{PHOTO}"))
    assert (straight.fliphor() - flipped).abs().avg() < 10
    assert (straight - flipped).abs().avg() > 40


def test_signatures(thumbor: Thumbor) -> None:
    path = f"200x100/local:///{PHOTO}"
    assert thumbor.get(f"/{sign(KEY, path)}/{path}").status_code == 200
    assert thumbor.get(f"/{sign(KEY, path).replace('=', '%3D')}/{path}").status_code == 200
    wrong = thumbor.get(f"/{sign('other', path)}/{path}")
    assert (wrong.status_code, wrong.text) == (403, "Invalid signature\n")
    assert thumbor.get(f"/{sign(KEY, path).rstrip('=')}/{path}").status_code == 403


def test_replace_bypass_over_http(thumbor: Thumbor) -> None:
    signed = f"300x200/local:///{PHOTO}"
    signature = sign(KEY, signed)
    crafted = f"/{signature}/300x200/{signature}//local:///{PHOTO}"
    assert thumbor.get(crafted).status_code == 403


def test_unsafe_off_and_key_required(root: Path) -> None:
    path = f"/unsafe/200x100/local:///{PHOTO}"
    env = {"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root), "IMGPROXY_THUMBOR_KEY": KEY}
    with running_proxy(env) as base, httpx.Client(base_url=base) as client:
        refused = client.get("/thumbor" + path)
        assert (refused.status_code, refused.text) == (403, "Unsafe URLs are not allowed\n")
    with running_proxy({"IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root)}) as base:
        status, _ = raw_get(base, "/thumbor/healthcheck")
        assert status != 200  # thumbor routes are off without a key or unsafe


def unknown_filters_counted(thumbor: Thumbor) -> float:
    exposition = thumbor.client.get("/metrics").text
    (line,) = [
        line
        for line in exposition.splitlines()
        if line.startswith("imgproxy_thumbor_unknown_filters_total ")
    ]
    return float(line.split()[1])


def test_unknown_filters_are_skipped_logged_and_counted(
    thumbor: Thumbor, caplog: pytest.LogCaptureFixture
) -> None:
    """As thumbor skips them; the URL shares the cache entry of the same URL without them."""
    caplog.set_level(logging.WARNING, logger="imgproxy")
    counted = unknown_filters_counted(thumbor)
    custom = "my_Watermark_" + "x" * 200
    without = thumbor.get(f"/unsafe/97x61/filters:quality(80)/local:///{PHOTO}")
    assert without.headers["x-cache"] == "MISS"
    response = thumbor.get(
        f"/unsafe/97x61/filters:quality(80):sepia(1):{custom}(a,b)/local:///{PHOTO}"
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-cache"] == "HIT"
    assert response.content == without.content
    assert unknown_filters_counted(thumbor) == counted + 2
    logged = [record.getMessage() for record in caplog.records if record.name == "imgproxy"]
    assert f"skipped unknown thumbor filters: sepia, {custom[:64]}... (213 characters)" in logged


def test_a_known_filter_with_bad_arguments_stays_a_400(thumbor: Thumbor) -> None:
    counted = unknown_filters_counted(thumbor)
    response = thumbor.get(f"/unsafe/filters:sepia(1):blur(0)/local:///{PHOTO}")
    assert (response.status_code, response.text) == (
        400,
        "Expected integer 1..150 for blur radius but received '0'\n",
    )
    assert unknown_filters_counted(thumbor) == counted  # a refused URL skips nothing
    malformed = thumbor.get(f"/unsafe/filters:sepia:blur(2)/local:///{PHOTO}")
    assert (malformed.status_code, malformed.text) == (400, "Invalid filter: sepia:blur(2\n")


def test_an_unknown_filter_is_part_of_what_is_signed(thumbor: Thumbor) -> None:
    image = f"local:///{PHOTO}"
    signed = thumbor.signed(image, width=90, height=60, filters=["sepia(1)", "quality(70)"])
    assert image_of(signed).width == 90
    plain_path = thumbor.crypto.generate(image_url=image, width=90, height=60)
    tampered = plain_path.replace("/90x60/", "/90x60/filters:sepia(1)/")
    assert tampered != plain_path
    assert thumbor.get(tampered).status_code == 403


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("convolution(1;2;1,0,false)", "Expected integer 1..15 for convolution columns but"),
        ("proportion(1000000)", "Expected number >0..1 for proportion but received '1000000'"),
        ("convolution(" + ";".join(["1"] * 30_000) + ",3)", "Filter is longer than 4096"),
    ],
)
def test_filter_advisories_answer_400_at_once(thumbor: Thumbor, filters: str, message: str) -> None:
    """CVE-2026-53503 (columns=0), -53505 (proportion unbounded), -53504 (ReDoS matrix)."""
    started = time.perf_counter()
    status, body = raw_get(
        thumbor.client.base_url.__str__().rstrip("/"),
        f"/thumbor/unsafe/filters:{filters}/local:///{PHOTO}",
    )
    assert status in (400, 414)
    if status == 400:
        assert body.startswith(message)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "image",
    [
        "local:///%252e%252e/secret.png",
        "local:///%2e%2e/secret.png",
        "local%3A%2F%2F%2F%252e%252e%2Fsecret.png",
    ],
)
def test_double_encoded_traversal_stays_in_the_root(thumbor: Thumbor, image: str) -> None:
    """CVE-2026-53502: `%252e%252e` reached files outside the loader root via watermark/frame."""
    for path in (
        f"/unsafe/filters:watermark({image},0,0,0)/local:///{PHOTO}",
        f"/unsafe/filters:frame({image})/local:///{PHOTO}",
        f"/unsafe/{image}",
    ):
        status, body = raw_get(str(thumbor.client.base_url).rstrip("/"), "/thumbor" + path)
        assert status in (403, 404), (path, status, body)


def test_watermark_source_obeys_the_allow_list(root: Path) -> None:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1",
        "IMGPROXY_ALLOWED_SOURCES": "local:///",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base) as client:
        path = f"/thumbor/unsafe/filters:watermark(127.0.0.1:9/w.png,0,0,0)/local:///{PHOTO}"
        assert client.get(path).status_code == 403


def test_meta_answers_thumbor_json(thumbor: Thumbor) -> None:
    response = thumbor.signed(
        f"{thumbor.origin_host}/files/{PHOTO}", meta=True, width=300, height=300
    )
    assert response.headers["content-type"] == "application/json"
    document = orjson.loads(response.content)
    assert document == {
        "thumbor": {
            "source": {
                "url": f"http://{thumbor.origin_host}/files/{PHOTO}",
                "width": 1800,
                "height": 1200,
                "frameCount": 1,
            },
            "operations": [
                {"type": "resize", "width": 450, "height": 300},
                {"type": "crop", "left": 76, "top": 0, "right": 376, "bottom": 300},
            ],
            "target": {"width": 300, "height": 300},
        }
    }
    fit = orjson.loads(thumbor.get(f"/unsafe/meta/fit-in/-300x300/local:///{PHOTO}").content)
    assert fit["thumbor"]["operations"] == [
        {"type": "resize", "width": 300, "height": 200},
        {"type": "flip_horizontally"},
    ]
    assert fit["thumbor"]["target"] == {"width": 300, "height": 200}


def test_meta_with_focal_and_callback(thumbor: Thumbor) -> None:
    response = thumbor.get(
        f"/unsafe/meta/100x100/filters:focal(0x0:200x200)/local:///{PHOTO}?callback=show"
    )
    assert response.headers["content-type"].startswith("text/javascript")
    body = response.text
    assert body.startswith("show(") and body.endswith(");")
    document = orjson.loads(body[len("show(") : -2])
    assert document["thumbor"]["focal_points"][0]["origin"] == "Explicit"
    assert document["thumbor"]["operations"][1] == {
        "type": "crop",
        "left": 0,
        "top": 0,
        "right": 100,
        "bottom": 100,
    }


def test_negotiation_and_vary(thumbor: Thumbor) -> None:
    path = f"/unsafe/120x80/local:///{PHOTO}"
    webp = thumbor.get(path, accept="image/webp,*/*")
    assert webp.headers["content-type"] == "image/webp"
    assert webp.headers["vary"] == "Accept"
    jpeg = thumbor.get(path, accept="image/*")
    assert jpeg.headers["content-type"] == "image/jpeg"
    assert jpeg.headers["vary"] == "Accept"
    explicit = thumbor.get(
        f"/unsafe/120x80/filters:format(png)/local:///{PHOTO}", accept="image/webp"
    )
    assert explicit.headers["content-type"] == "image/png"
    assert "vary" not in explicit.headers


def test_healthcheck(thumbor: Thumbor) -> None:
    for path in ("/thumbor/healthcheck", "/healthcheck"):
        response = thumbor.client.get(path)
        assert (response.status_code, response.text) == (200, "WORKING")


def test_equivalent_imgproxy_url_shares_the_cache_entry(thumbor: Thumbor) -> None:
    first = thumbor.client.get(f"/insecure/rs:fill:211:97:1/plain/local:///{PHOTO}")
    assert first.status_code == 200, first.text
    assert first.headers["x-cache"] == "MISS"
    second = thumbor.get(f"/unsafe/211x97/local:///{PHOTO}")
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    filtered = thumbor.get(f"/unsafe/211x97/filters:equalize()/local:///{PHOTO}")
    assert filtered.headers["x-cache"] == "MISS"


@pytest.mark.parametrize(
    "path",
    [
        "/thumbor/unsafe/",
        "/thumbor/unsafe//",
        "/thumbor/unsafe/filters:/i.jpg",
        "/thumbor/unsafe/filters:()/i.jpg",
        "/thumbor/unsafe/filters:sharpen(1)/local:///i.jpg",
        "/thumbor/unsafe/filters:watermark()/local:///i.jpg",
        "/thumbor/unsafe/filters:quality(%FF)/local:///i.jpg",
        "/thumbor/unsafe/300x200/%E2%82",
        "/thumbor/unsafe/300x200/ftp://host/i.jpg",
        "/thumbor/unsafe/300x200/local:///",
        "/thumbor/unsafe/meta/300x200/local:///missing.jpg",
        "/thumbor/%ZZ/300x200/local:///i.jpg",
        "/thumbor/unsafe/filters:format(svg)/local:///i.jpg",
    ],
)
def test_hostile_paths_are_client_errors(thumbor: Thumbor, path: str) -> None:
    status, _ = raw_get(str(thumbor.client.base_url).rstrip("/"), path)
    assert 400 <= status < 500, (path, status)


def test_fallback_image_answers_a_missing_thumbor_source(root: Path) -> None:
    env = {
        "IMGPROXY_LOCAL_FILESYSTEM_ROOT": str(root),
        "IMGPROXY_THUMBOR_ALLOW_UNSAFE": "1",
        "IMGPROXY_FALLBACK_IMAGE_PATH": str(root / PHOTO),
        "IMGPROXY_FALLBACK_IMAGE_HTTP_CODE": "404",
    }
    with running_proxy(env) as base, httpx.Client(base_url=base + "/thumbor") as client:
        response = client.get("/unsafe/60x40/filters:format(png)/local:///missing.jpg")
        status_and_type = (response.status_code, response.headers["content-type"])
        assert status_and_type == (404, "image/png")
        image = pyvips.Image.new_from_buffer(response.content, "")
        assert (image.width, image.height) == (60, 40)
